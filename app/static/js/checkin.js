/* Check-in: scan a ticket's QR code with the camera where the browser has BarcodeDetector.
   Without it (or without a camera) the page works as it is: type the code and press the button. */
(function () {
  "use strict";
  var button = document.getElementById("scan-start");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var form = document.getElementById("checkin-form");
  var input = document.getElementById("code");
  if (!button || !video || !form || !input) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;

  var stream = null;
  var timer = null;

  function stop() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true;
  }

  function scan(detector) {
    detector.detect(video).then(function (codes) {
      if (codes.length && codes[0].rawValue) {
        input.value = codes[0].rawValue.trim();
        status.textContent = button.dataset.found || "";
        stop();
        form.submit();
        return;
      }
      timer = setTimeout(function () { scan(detector); }, 250);
    }).catch(function () {
      timer = setTimeout(function () { scan(detector); }, 500);
    });
  }

  BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") === -1) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (stream) { stop(); return; }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        return video.play();
      }).then(function () {
        status.textContent = button.dataset.scanning || "";
        scan(new BarcodeDetector({ formats: ["qr_code"] }));
      }).catch(function () {
        status.textContent = button.dataset.denied || "";
        stop();
      });
    });
  }).catch(function () { /* no detector: typing still works */ });
})();
