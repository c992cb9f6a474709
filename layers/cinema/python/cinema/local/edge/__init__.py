"""The local CDN edge: serves /media/* from the S3-compatible server after checking real CloudFront signatures, as CloudFront does in AWS."""
