"""The assistant and its front ends (CLI, web chat, HTTP API)."""
