"""The front door: the page at `/` (what this server is and holds), the API's OpenAPI schema and its
interactive documentation."""
