#!/bin/sh
# The live ingest container: render nginx.conf, start the uploader, run nginx in the foreground.
set -eu
mkdir -p /srv/rtmp/conf /srv/rtmp/logs /srv/rtmp/run "${HLS_DIR:=/var/hls}" "${RECORD_DIR:=/var/recordings}"
export HLS_DIR RECORD_DIR
chown nobody:nogroup "$HLS_DIR" "$RECORD_DIR"
umask 077
python3 /srv/rtmp/render.py > /srv/rtmp/conf/nginx.conf
umask 022
# pushes closed HLS fragments + playlists to MEDIA_BUCKET, closed recordings to UPLOADS_BUCKET
python3 /srv/rtmp/hls_mirror.py &
exec nginx -p /srv/rtmp -c /srv/rtmp/conf/nginx.conf -e /dev/stderr
