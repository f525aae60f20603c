"""The admin surface, off the signed API: ``/__fake__/*`` and ``/openapi.json``.

``endpoints.py`` answers the admin calls (journal, faults, rate limits, reset)
and says who may make them; it knows the engine's state through a Protocol,
``endpoints.State``. ``openapi*.py`` build the OpenAPI document of every
dialect's paths. It imports the engine room, never the HTTP room.
"""
