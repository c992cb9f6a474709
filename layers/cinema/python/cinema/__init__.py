"""The online cinema application package (also the content of the Lambda layer)."""
