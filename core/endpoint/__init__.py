"""Live TLS endpoints: connect as the customer's client does, record the handshake, diagnose it."""
