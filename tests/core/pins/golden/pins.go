// Package pinning checks SPKI pins for api.example.com, *.example.net.
package pinning

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
)

// spkiPins holds base64 SHA-256 hashes of certificates' SubjectPublicKeyInfo DER.
var spkiPins = map[string]bool{
	// leaf: certificate CN=api.example.com
	"nG4IxWtpnU/QnrRL/GKWfvBiJpgkPZGWnPp0accFtB0=": true,
	// intermediate: certificate CN=Example Issuing CA
	"GdFdLtUJsf8LYUO/GnEGMLhfmdLrD16dzOW8xL5HPUU=": true,
	// backup key, not in the current chain: private key backup.key
	"NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ=": true,
}

// VerifyPins passes when a certificate of a verified chain, root included, has a pinned key.
// It has the signature of tls.Config.VerifyPeerCertificate and reads only verifiedChains:
// rawCerts is the chain as sent, which an attacker controls.
func VerifyPins(rawCerts [][]byte, verifiedChains [][]*x509.Certificate) error {
	if len(verifiedChains) == 0 {
		return errors.New("certificate pinning: no verified chain (InsecureSkipVerify set?)")
	}
	for _, chain := range verifiedChains {
		for _, cert := range chain {
			sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
			if spkiPins[base64.StdEncoding.EncodeToString(sum[:])] {
				return nil
			}
		}
	}
	return errors.New("certificate pinning: no certificate of the verified chain has a pinned key")
}

// NewTLSConfig returns a tls.Config checking the pins on every connection, for example
// NewTLSConfig("api.example.com"). It calls VerifyPins from VerifyConnection, because Go does
// not call VerifyPeerCertificate on resumed connections.
func NewTLSConfig(serverName string) *tls.Config {
	return &tls.Config{
		ServerName: serverName,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return VerifyPins(nil, cs.VerifiedChains)
		},
	}
}
