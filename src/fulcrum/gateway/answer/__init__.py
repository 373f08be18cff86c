"""The answer side: relaying JSON and streams to the client, the pumps that translate streams
between formats, request/response translation, and tool review on local routes."""
