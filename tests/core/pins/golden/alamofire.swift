import Alamofire

// PublicKeysTrustEvaluator() pins the public keys of every DER .cer/.crt/.der
// certificate in Bundle.main: add the .cer files exported with this snippet to the
// app target. PEM files are silently skipped.
// ServerTrustManager matches exact host names only, and hosts not listed here fail
// (allHostsMustBeEvaluated is true by default).
let evaluators: [String: ServerTrustEvaluating] = [
    "api.example.test": PublicKeysTrustEvaluator(),
]
let session = Session(serverTrustManager: ServerTrustManager(evaluators: evaluators))
