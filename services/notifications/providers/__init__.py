"""SMS providers behind one interface (providers.base): Twilio's HTTP API, an SMSC over SMPP,
a dev file."""
