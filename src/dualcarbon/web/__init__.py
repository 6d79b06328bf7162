"""The web pages: served by the API server, Chinese by default, English with ?lang=en."""
