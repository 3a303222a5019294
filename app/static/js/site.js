// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Move keyboard focus to the first field with an error after a failed submit.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) { invalid.focus(); }
  });
})();
