"""Local stand-ins for AWS and the sample API (never shipped in the collection)."""
