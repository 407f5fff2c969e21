"""The API's resources, one module each, every one a ``Router`` added to the ``NinjaAPI`` of
``recouvre.api.api`` under ``/api/v1/``."""
