"""The backing services of the one-machine platform: real PostgreSQL, Redis, an S3-compatible server and nginx-rtmp, started under the data directory."""
