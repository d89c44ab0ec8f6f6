#!/usr/bin/env bash
# Regenerate the Pinscope test fixtures that Python cannot easily mint itself.
#
# Needs: openssl (3.0+), Java 17 keytool, and the BouncyCastle provider jar
# (Debian: `apt-get install libbcprov-java` -> /usr/share/java/bcprov.jar;
# override with BCPROV=/path/to/bcprov.jar).
#
# Runs from any cwd and writes into the directory holding this script.
# Every run makes NEW keys, so fingerprints change: the script rewrites the
# generated section of README.md (between the BEGIN/END GENERATED markers)
# so that README always matches the files on disk.
#
#   make-fixtures.sh        every fixture (needs openssl, keytool, bcprov)
#   make-fixtures.sh weak   only the weak-*.pem certificates (needs openssl);
#                           every other file and README.md are left alone
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

DAYS=7300
PASS=secret
BCPROV="${BCPROV:-/usr/share/java/bcprov.jar}"
BC_ARGS=(-providerpath "$BCPROV" -providerclass org.bouncycastle.jce.provider.BouncyCastleProvider)

MODE="${1:-all}"
case "$MODE" in
  all | weak) ;;
  *) echo "usage: $0 [weak]" >&2; exit 2 ;;
esac

command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# --------------------------------------------------------------------------
# Weak certificates: SHA-1 and MD5 signatures and a 1024-bit RSA key, which
# Pinscope must report but cryptography's builders refuse to make. Only the
# certificates are kept; their keys are thrown away. `make-fixtures.sh weak`
# remakes just these, so the other fixtures keep their fingerprints.
# OpenSSL 3.0 still signs with SHA-1 and MD5 (`req` and `x509` do not apply
# the TLS security level); an OpenSSL built without MD5 (FIPS) cannot make
# weak-md5.pem.
# --------------------------------------------------------------------------
WEAK_OUTPUTS=(weak-sha1-chain.pem weak-rsa1024.pem weak-md5.pem)

make_weak() {
  local dir="$TMP/weak"
  mkdir -p "$dir"
  cat > "$dir/weak.cnf" <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
[ v3_root ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_intermediate ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_sha1_leaf ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:weak-sha1.example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_rsa1024 ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:weak-rsa1024.example.test
subjectKeyIdentifier = hash
[ v3_md5 ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:weak-md5.example.test
subjectKeyIdentifier = hash
EOF
  local cnf="$dir/weak.cnf"

  # SHA-1 chain: RSA 2048 root (self-signed with SHA-1) -> RSA 2048 issuing CA -> EC P-256
  # leaf; every signature is sha1WithRSAEncryption.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/root.key" 2>/dev/null
  openssl req -new -x509 -config "$cnf" -extensions v3_root -sha1 -days "$DAYS" \
    -key "$dir/root.key" -subj "/C=GB/O=Pinscope Tests/CN=Pinscope Weak SHA-1 Root" \
    -set_serial 0x5000 -out "$dir/root.crt"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/int.key" 2>/dev/null
  openssl req -new -config "$cnf" -key "$dir/int.key" \
    -subj "/C=GB/O=Pinscope Tests/CN=Pinscope Weak SHA-1 Issuing CA" -out "$dir/int.csr"
  openssl x509 -req -in "$dir/int.csr" -CA "$dir/root.crt" -CAkey "$dir/root.key" \
    -set_serial 0x5001 -days "$DAYS" -sha1 -extfile "$cnf" -extensions v3_intermediate \
    -out "$dir/int.crt" 2>/dev/null
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/leaf.key"
  openssl req -new -config "$cnf" -key "$dir/leaf.key" -subj "/CN=weak-sha1.example.test" \
    -out "$dir/leaf.csr"
  openssl x509 -req -in "$dir/leaf.csr" -CA "$dir/int.crt" -CAkey "$dir/int.key" \
    -set_serial 0x5002 -days "$DAYS" -sha1 -extfile "$cnf" -extensions v3_sha1_leaf \
    -out "$dir/leaf.crt" 2>/dev/null
  cat "$dir/leaf.crt" "$dir/int.crt" "$dir/root.crt" > weak-sha1-chain.pem

  # 1024-bit RSA, self-signed with SHA-256: only the key is weak.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$dir/rsa1024.key" 2>/dev/null
  openssl req -new -x509 -config "$cnf" -extensions v3_rsa1024 -sha256 -days "$DAYS" \
    -key "$dir/rsa1024.key" -subj "/CN=weak-rsa1024.example.test" -set_serial 0x5010 \
    -out weak-rsa1024.pem

  # MD5, self-signed, RSA 2048: only the signature is weak.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/md5.key" 2>/dev/null
  openssl req -new -x509 -config "$cnf" -extensions v3_md5 -md5 -days "$DAYS" \
    -key "$dir/md5.key" -subj "/CN=weak-md5.example.test" -set_serial 0x5020 -out weak-md5.pem
}

if [[ "$MODE" == weak ]]; then
  rm -f "${WEAK_OUTPUTS[@]}"
  make_weak
  for f in "${WEAK_OUTPUTS[@]}"; do
    [[ -s "$f" ]] || { echo "missing or empty: $f" >&2; exit 1; }
  done
  chmod 644 "${WEAK_OUTPUTS[@]}"
  echo "weak certificates written to $HERE" >&2
  exit 0
fi

command -v keytool >/dev/null || { echo "keytool not found" >&2; exit 1; }
[[ -r "$BCPROV" ]] || { echo "BouncyCastle jar not found at $BCPROV (apt-get install libbcprov-java)" >&2; exit 1; }

OUTPUTS=(
  ca-root.crt ca-root.key ca-intermediate.crt ca-intermediate.key
  server.crt server.key chain.pem client.crt client.key
  p12-aes.p12 p12-legacy-rc2.p12 p12-3des.p12 p12-empty-password.p12
  p12-no-password.p12 p12-certs-only.p12 p12-camellia.p12 p12-aria.p12 java-secret-key.p12
  java-keystore.p12 java-truststore.p12 java-truststore-nopass.p12
  keystore.jks truststore.jks keystore.jceks keystore.bks keystore.uber
  key-pkcs8-pbes1-3des.pem key-pkcs8-pbes2.pem key-pkcs8-pbes2.der
  key-rsa-traditional-encrypted.pem key-ec-traditional.pem
  openssl-bag-attributes.pem chain.p7b chain-der.p7b server.csr server-csr.der
  "${WEAK_OUTPUTS[@]}"
)
rm -f "${OUTPUTS[@]}"

# keytool, with its chatter (progress lines, JKS/JCEKS "proprietary format" warnings) sent to stderr.
kt() { keytool "$@" 2>&1 | { grep -v -e '^Warning:' -e 'proprietary format' -e 'industry standard format' -e '^$' || true; } >&2; }

# --------------------------------------------------------------------------
# Base material: root CA -> issuing CA -> server / client leaves
# --------------------------------------------------------------------------
cat > "$TMP/ca.cnf" <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
[ v3_root ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_intermediate ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_server ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:api.example.test, DNS:*.api.example.test, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_client ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
CNF="$TMP/ca.cnf"

# Root: RSA 2048, self-signed.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca-root.key 2>/dev/null
openssl req -new -x509 -config "$CNF" -extensions v3_root -sha256 -days "$DAYS" \
  -key ca-root.key -subj "/C=GB/O=Pinscope Tests/CN=Pinscope Test Root" \
  -set_serial 0x1000 -out ca-root.crt

# Issuing CA: EC P-256, signed by root.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca-intermediate.key
openssl req -new -config "$CNF" -key ca-intermediate.key \
  -subj "/C=GB/O=Pinscope Tests/CN=Pinscope Test Issuing CA" -out "$TMP/int.csr"
openssl x509 -req -in "$TMP/int.csr" -CA ca-root.crt -CAkey ca-root.key -set_serial 0x2000 \
  -days "$DAYS" -sha256 -extfile "$CNF" -extensions v3_intermediate -out ca-intermediate.crt 2>/dev/null

# Server leaf: EC P-256 (server.key is unencrypted PKCS#8 "BEGIN PRIVATE KEY").
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key
openssl req -new -config "$CNF" -key server.key -subj "/CN=api.example.test" -out server.csr
openssl x509 -req -in server.csr -CA ca-intermediate.crt -CAkey ca-intermediate.key -set_serial 0x3000 \
  -days "$DAYS" -sha256 -extfile "$CNF" -extensions v3_server -out server.crt 2>/dev/null
openssl req -in server.csr -outform DER -out server-csr.der

# Client leaf: RSA 2048.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client.key 2>/dev/null
openssl req -new -config "$CNF" -key client.key -subj "/CN=alice" -out "$TMP/client.csr"
openssl x509 -req -in "$TMP/client.csr" -CA ca-intermediate.crt -CAkey ca-intermediate.key -set_serial 0x3001 \
  -days "$DAYS" -sha256 -extfile "$CNF" -extensions v3_client -out client.crt 2>/dev/null

cat server.crt ca-intermediate.crt ca-root.crt > chain.pem
cat ca-intermediate.crt ca-root.crt > "$TMP/cas.pem"

# --------------------------------------------------------------------------
# OpenSSL PKCS#12 variants (server key + leaf + intermediate + root)
# --------------------------------------------------------------------------
p12() { # p12 OUT [extra openssl args...]
  local out="$1"; shift
  openssl pkcs12 -export -inkey server.key -in server.crt -certfile "$TMP/cas.pem" \
    -name server -out "$out" "$@"
}
p12 p12-aes.p12 -passout "pass:$PASS"
if ! p12 p12-legacy-rc2.p12 -legacy -passout "pass:$PASS" 2>"$TMP/err"; then
  cat "$TMP/err" >&2
  p12 p12-legacy-rc2.p12 -provider legacy -provider default \
    -certpbe PBE-SHA1-RC2-40 -keypbe PBE-SHA1-3DES -macalg sha1 -passout "pass:$PASS"
fi
p12 p12-3des.p12 -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 -passout "pass:$PASS"
p12 p12-empty-password.p12 -passout pass:
p12 p12-no-password.p12 -keypbe NONE -certpbe NONE -nomac -passout pass:
openssl pkcs12 -export -nokeys -in chain.pem -out p12-certs-only.p12 -passout "pass:$PASS"
CAMELLIA_CIPHER=camellia-256-cbc
if ! p12 p12-camellia.p12 -certpbe camellia-256-cbc -keypbe camellia-256-cbc -passout "pass:$PASS" 2>"$TMP/err"; then
  cat "$TMP/err" >&2
  CAMELLIA_CIPHER=aria-256-cbc
  p12 p12-camellia.p12 -certpbe aria-256-cbc -keypbe aria-256-cbc -passout "pass:$PASS"
fi
# Java PKCS12 keystore with a secret key entry beside a private key entry.
rm -f java-secret-key.p12
keytool -genseckey -alias aes-key -keyalg AES -keysize 256 -storetype PKCS12 \
  -keystore java-secret-key.p12 -storepass storepass 2>/dev/null
keytool -genkeypair -alias gamma -keyalg EC -groupname secp256r1 -dname CN=gamma.example.test \
  -validity "$DAYS" -storetype PKCS12 -keystore java-secret-key.p12 -storepass storepass 2>/dev/null

# PBES2 with a cipher Pinscope does not implement, to test that the error names it.
p12 p12-aria.p12 -certpbe aria-256-cbc -keypbe aria-256-cbc -passout "pass:$PASS"

openssl pkcs12 -in p12-aes.p12 -nodes -passin "pass:$PASS" -out openssl-bag-attributes.pem

# Temporary p12 (password storepass) used as the source for keytool imports.
p12 "$TMP/server-src.p12" -passout pass:storepass
import_server() { # import_server DEST STORETYPE [extra keytool args...]
  local dest="$1" type="$2"; shift 2
  kt -importkeystore -noprompt -srckeystore "$TMP/server-src.p12" -srcstoretype PKCS12 \
    -srcstorepass storepass -srcalias server -destkeystore "$dest" -deststoretype "$type" \
    -deststorepass storepass -destalias server -destkeypass storepass "$@"
}
import_trusted() { # import_trusted STORE TYPE PASS ALIAS CERTFILE [extra keytool args...]
  local store="$1" type="$2" pw="$3" alias="$4" file="$5"; shift 5
  kt -importcert -noprompt -keystore "$store" -storetype "$type" -storepass "$pw" \
    -alias "$alias" -file "$file" "$@"
}

# --------------------------------------------------------------------------
# Java keystores
# --------------------------------------------------------------------------
# 8. Java PKCS12 keystore: alpha (EC), beta (RSA), trusted test-root.
kt -genkeypair -keystore java-keystore.p12 -storetype PKCS12 -storepass storepass \
  -alias alpha -keyalg EC -groupname secp256r1 -dname "CN=alpha.example.test" -validity "$DAYS"
kt -genkeypair -keystore java-keystore.p12 -storetype PKCS12 -storepass storepass \
  -alias beta -keyalg RSA -keysize 2048 -dname "CN=beta.example.test" -validity "$DAYS"
import_trusted java-keystore.p12 PKCS12 storepass test-root ca-root.crt

# 9. Java PKCS12 truststore.
import_trusted java-truststore.p12 PKCS12 changeit test-root ca-root.crt
import_trusted java-truststore.p12 PKCS12 changeit test-intermediate ca-intermediate.crt

# 10. Password-less Java PKCS12 truststore (certs not encrypted, no MAC).
#     keytool still wants a -storepass on the command line; it protects nothing.
import_trusted java-truststore-nopass.p12 PKCS12 changeit test-root ca-root.crt \
  -J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE -J-Dkeystore.pkcs12.macAlgorithm=NONE

# 11. JKS keystore: server (from p12), trusted test-root, other (key password keypass2).
import_server keystore.jks JKS
import_trusted keystore.jks JKS storepass test-root ca-root.crt
kt -genkeypair -keystore keystore.jks -storetype JKS -storepass storepass -alias other \
  -keypass keypass2 -keyalg RSA -keysize 2048 -dname "CN=other.example.test" -validity "$DAYS"

# 12. JKS truststore.
import_trusted truststore.jks JKS changeit test-root ca-root.crt
import_trusted truststore.jks JKS changeit test-intermediate ca-intermediate.crt

# 13. JCEKS: server, trusted test-root, AES-256 secret key aes-key.
import_server keystore.jceks JCEKS
import_trusted keystore.jceks JCEKS storepass test-root ca-root.crt
kt -genseckey -keystore keystore.jceks -storetype JCEKS -storepass storepass -alias aes-key \
  -keypass storepass -keyalg AES -keysize 256

# 14. BouncyCastle BKS and UBER.
for t in BKS UBER; do
  f="keystore.$(echo "$t" | tr 'A-Z' 'a-z')"
  import_server "$f" "$t" "${BC_ARGS[@]}"
  import_trusted "$f" "$t" storepass test-root ca-root.crt "${BC_ARGS[@]}"
done

# --------------------------------------------------------------------------
# Loose keys, PKCS#7, CSR
# --------------------------------------------------------------------------
openssl pkcs8 -topk8 -in server.key -v1 PBE-SHA1-3DES -passout "pass:$PASS" -out key-pkcs8-pbes1-3des.pem
openssl pkcs8 -topk8 -in server.key -v2 aes-256-cbc -passout "pass:$PASS" -out key-pkcs8-pbes2.pem
# DER file = the same encrypted structure as the PEM file (base64 body decoded).
sed -e '/-----/d' key-pkcs8-pbes2.pem | openssl base64 -d -out key-pkcs8-pbes2.der
openssl rsa -in client.key -aes256 -traditional -passout "pass:$PASS" -out key-rsa-traditional-encrypted.pem 2>/dev/null
openssl ec -in server.key -out key-ec-traditional.pem 2>/dev/null

openssl crl2pkcs7 -nocrl -certfile chain.pem -out chain.p7b
openssl crl2pkcs7 -nocrl -certfile chain.pem -outform DER -out chain-der.p7b

make_weak

for f in "${OUTPUTS[@]}"; do
  [[ -s "$f" ]] || { echo "missing or empty: $f" >&2; exit 1; }
done
chmod 644 "${OUTPUTS[@]}"   # test keys only: keep them readable for CI users

# --------------------------------------------------------------------------
# Generated README section: fingerprints, MAC / encryption details.
# --------------------------------------------------------------------------
fp() { openssl x509 -noout -fingerprint -sha256 -in "$1" | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
subj() { openssl x509 -noout -subject -nameopt RFC2253 -in "$1" | sed 's/^subject=//'; }

# p12_section FILE PASSWORD [extra openssl args]
p12_section() {
  local f="$1" pw="$2"; shift 2
  echo "### $f"
  echo
  echo '```'
  echo "\$ openssl pkcs12 -info -noout -in $f -passin pass:$pw${*:+ $*}"
  local info
  info="$(openssl pkcs12 -info -noout -in "$f" -passin "pass:$pw" "$@" 2>&1)"
  grep -v '^Enter' <<<"$info" || true
  echo '```'
  echo
  echo "| # | friendlyName | subject (RFC 4514) | SHA-256 |"
  echo "|---|---|---|---|"
  rm -f "$TMP"/c-*.pem "$TMP"/c-*.name
  openssl pkcs12 -in "$f" -nokeys -passin "pass:$pw" "$@" 2>/dev/null | awk -v dir="$TMP" '
    /^Bag Attributes/ { name = "" }
    /^ *friendlyName:/ { sub(/^ *friendlyName: */, ""); name = $0 }
    /-----BEGIN CERTIFICATE-----/ { n++; out = sprintf("%s/c-%02d.pem", dir, n); print name > (dir sprintf("/c-%02d.name", n)); close(dir sprintf("/c-%02d.name", n)) }
    out { print > out }
    /-----END CERTIFICATE-----/ { close(out); out = "" }'
  local i=0 c
  for c in "$TMP"/c-*.pem; do
    i=$((i + 1))
    echo "| $i | $(cat "${c%.pem}.name") | $(subj "$c") | \`$(fp "$c")\` |"
  done
  echo
}

# ks_section FILE TYPE PASSWORD [extra keytool args]
ks_section() {
  local f="$1" type="$2" pw="$3"; shift 3
  echo "### $f ($type)"
  echo
  echo "| alias | entry type | cert | owner (keytool) | SHA-256 |"
  echo "|---|---|---|---|---|"
  keytool -list -v -keystore "$f" -storetype "$type" -storepass "$pw" "$@" 2>/dev/null | awk '
    /^Alias name:/ { alias = $3; idx = 0 }
    /^Entry type:/ { type = $3; if (type == "SecretKeyEntry") printf("| %s | %s | - | - | - |\n", alias, type) }
    /^Owner:/ { sub(/^Owner: /, ""); owner = $0; idx++ }
    /^[ \t]*SHA256:/ { v = $2; gsub(":", "", v); printf("| %s | %s | %d | %s | `%s` |\n", alias, type, idx, owner, tolower(v)) }'
  echo
}

{
  echo "_Generated by make-fixtures.sh on $(date -u +%Y-%m-%dT%H:%MZ) with $(openssl version | cut -d' ' -f1-2)," \
       "keytool from Java $(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.version =/ {print $2}')," \
       "BouncyCastle $(basename "$(readlink -f "$BCPROV")" .jar)._"
  echo
  echo "PKCS#12 camellia fixture cipher: \`$CAMELLIA_CIPHER\`"
  echo
  echo "### Base certificates"
  echo
  echo "| file | subject (RFC 4514) | serial | SHA-256 |"
  echo "|---|---|---|---|"
  for c in ca-root.crt ca-intermediate.crt server.crt client.crt; do
    echo "| $c | $(subj "$c") | $(openssl x509 -noout -serial -in "$c" | sed 's/serial=//') | \`$(fp "$c")\` |"
  done
  echo
  p12_section p12-aes.p12 "$PASS"
  p12_section p12-legacy-rc2.p12 "$PASS" -legacy
  p12_section p12-3des.p12 "$PASS"
  p12_section p12-empty-password.p12 ""
  p12_section p12-no-password.p12 ""
  p12_section p12-certs-only.p12 "$PASS"
  p12_section p12-camellia.p12 "$PASS"
  p12_section java-keystore.p12 storepass
  p12_section java-truststore.p12 changeit
  p12_section java-truststore-nopass.p12 ""
  ks_section java-keystore.p12 PKCS12 storepass
  ks_section java-truststore.p12 PKCS12 changeit
  ks_section java-truststore-nopass.p12 PKCS12 changeit
  ks_section keystore.jks JKS storepass
  ks_section truststore.jks JKS changeit
  ks_section keystore.jceks JCEKS storepass
  ks_section keystore.bks BKS storepass "${BC_ARGS[@]}"
  ks_section keystore.uber UBER storepass "${BC_ARGS[@]}"
} > "$TMP/generated.md"

if [[ -f README.md ]] && grep -q '<!-- BEGIN GENERATED' README.md; then
  awk -v gen="$TMP/generated.md" '
    /<!-- BEGIN GENERATED/ { print; while ((getline l < gen) > 0) print l; skip = 1; next }
    /<!-- END GENERATED/ { skip = 0 }
    !skip { print }' README.md > "$TMP/README.md"
  cat "$TMP/README.md" > README.md
else
  echo "README.md has no GENERATED markers; generated section written to stdout:" >&2
  cat "$TMP/generated.md"
fi

echo "fixtures written to $HERE" >&2
