"""I/O: the HTTP transport, the exact limiters, the callback bus, downloads."""
