"""Project configuration: settings from the environment, URLs, WSGI and the Huey queue."""
