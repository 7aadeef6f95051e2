#!/usr/bin/env bash
# Makes a throwaway CA and one server certificate it issues, for the test servers' TLS listeners. EC keys keep
# this fast; the certificates last a week, longer than any test run.
#   test-certificates.sh DIR NAMES CN -> writes DIR/ca.pem (the CA to trust), DIR/tls/server.pem and
#                                        DIR/tls/server.key; NAMES is the subjectAltName list, e.g.
#                                        DNS:localhost,IP:127.0.0.1, and CN the server's common name
set -euo pipefail

dir=${1:?usage: test-certificates.sh DIR NAMES CN}
names=${2:?usage: test-certificates.sh DIR NAMES CN}
common_name=${3:?usage: test-certificates.sh DIR NAMES CN}

tls="$dir/tls"
mkdir -p "$tls"
cat > "$tls/openssl.cnf" <<CNF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = TaskGen test
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $names
authorityKeyIdentifier = keyid
CNF
openssl req -x509 -config "$tls/openssl.cnf" -extensions ca -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -nodes -keyout "$tls/ca.key" -out "$dir/ca.pem" -days 7 -subj "/CN=TaskGen test CA" 2> "$tls/openssl.log"
openssl req -new -config "$tls/openssl.cnf" -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -nodes -keyout "$tls/server.key" -out "$tls/server.csr" -subj "/CN=$common_name" 2>> "$tls/openssl.log"
openssl x509 -req -in "$tls/server.csr" -CA "$dir/ca.pem" -CAkey "$tls/ca.key" -CAserial "$tls/ca.srl" -CAcreateserial \
  -extfile "$tls/openssl.cnf" -extensions server -days 7 -out "$tls/server.pem" 2>> "$tls/openssl.log"
