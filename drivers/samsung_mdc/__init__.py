"""Samsung MDC (Multiple Display Control) displays over RS-232 or TCP 1515: codec, display and registration."""
