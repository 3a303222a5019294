"""Body meetings (기구 회의): agenda, roll call and quorum, decisions per agenda item, minutes.

A meeting is an :class:`app.events.models.Event` of kind ``body_meeting``
hosted by the body; this package adds what only a meeting has. Its pages
hang off the bodies blueprint.
"""
