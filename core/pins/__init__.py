"""Certificate pinning: computing SPKI pins, reading pasted pins, writing and checking pin
configurations for mobile platforms and other clients."""
