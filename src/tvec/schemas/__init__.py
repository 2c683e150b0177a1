"""Input and output shapes shared by the API, the web app and the command line."""
