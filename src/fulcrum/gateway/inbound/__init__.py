"""The client-facing side: the HTTP server's settings, the cross-site guard, authentication and
error mapping (middleware), and request validation."""
