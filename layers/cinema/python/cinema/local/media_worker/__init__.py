"""The local media worker: S3 uploads transcoded by ffmpeg into the HLS ladder, reporting MediaConvert-shaped job events, as MediaConvert does in AWS."""
