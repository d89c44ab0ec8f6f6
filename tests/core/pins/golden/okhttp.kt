import okhttp3.CertificatePinner
import okhttp3.OkHttpClient

// OkHttp passes when any one pin matches a certificate of the chain it builds, root included.
val certificatePinner = CertificatePinner.Builder()
    .add(
        "api.example.com",
        // leaf: certificate CN=api.example.com
        "sha256/nG4IxWtpnU/QnrRL/GKWfvBiJpgkPZGWnPp0accFtB0=",
        // intermediate: certificate CN=Example Issuing CA
        "sha256/GdFdLtUJsf8LYUO/GnEGMLhfmdLrD16dzOW8xL5HPUU=",
        // backup key, not in the current chain: private key backup.key
        "sha256/NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ="
    )
    .add(
        "*.example.net",
        // leaf: certificate CN=api.example.com
        "sha256/nG4IxWtpnU/QnrRL/GKWfvBiJpgkPZGWnPp0accFtB0=",
        // intermediate: certificate CN=Example Issuing CA
        "sha256/GdFdLtUJsf8LYUO/GnEGMLhfmdLrD16dzOW8xL5HPUU=",
        // backup key, not in the current chain: private key backup.key
        "sha256/NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ="
    )
    .build()
val client = OkHttpClient.Builder()
    .certificatePinner(certificatePinner)
    .build()
