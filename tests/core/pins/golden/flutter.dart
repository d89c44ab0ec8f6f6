import 'package:http_certificate_pinning/http_certificate_pinning.dart';

// SHA-256 fingerprints of the whole leaf certificate of api.example.test, *.api.example.test.
// They are not SPKI pins: they stop matching at every renewal, even with the same key.
const allowedSHAFingerprints = <String>[
  'BF:14:5D:53:CD:1E:71:03:62:81:7E:F5:13:2D:FA:89:8F:A5:07:3F:48:C7:E4:14:7D:1E:D3:B0:88:2F:4F:6B', // api.example.test, 2046-11-28
];

final client = SecureHttpClient.build(allowedSHAFingerprints);
// with dio: dio.interceptors.add(
//     CertificatePinningInterceptor(allowedSHAFingerprints: allowedSHAFingerprints));
