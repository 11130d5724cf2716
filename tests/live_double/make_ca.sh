#!/bin/sh
# Makes a throwaway certificate authority and a server certificate for 127.0.0.1 in the
# directory given (ca.pem, server.pem, server.key; the CA's key is deleted at the end), with
# the openssl command-line tool. Valid for one day; the caller deletes the directory.
#
# Sources: RFC 5280 §4.2.1.9 (basicConstraints cA on the CA, not on the server certificate),
# §4.2.1.3 keyUsage, §4.2.1.6 subjectAltName (an iPAddress entry for 127.0.0.1), §4.2.1.12
# extKeyUsage serverAuth; RFC 6125 §6.2.1 / RFC 9110 §4.3.4 (an IP address is matched
# against iPAddress entries only); the openssl req(1) and x509(1) manual pages.
set -eu
dir="$1"
cd "$dir"
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 1 \
	-keyout ca.key -out ca.pem -subj "/CN=nir-viewer live double throwaway CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -sha256 \
	-keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
cat > server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1
EOF
serial="0x$(openssl rand -hex 16)"
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial "$serial" -days 1 \
	-sha256 -extfile server.ext -out server.pem 2>/dev/null
rm -f ca.key server.csr server.ext
