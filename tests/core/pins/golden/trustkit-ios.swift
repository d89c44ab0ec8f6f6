import TrustKit

let trustKitConfig: [String: Any] = [
    kTSKSwizzleNetworkDelegates: false,
    kTSKPinnedDomains: [
        "example.com": [
            kTSKIncludeSubdomains: true,
            kTSKEnforcePinning: true,
            kTSKExpirationDate: "2027-06-30",
            kTSKReportUris: [
                "https://reports.example.com/pin-failure",
            ],
            kTSKDisableDefaultReportUri: true,
            kTSKPublicKeyHashes: [
                "GdFdLtUJsf8LYUO/GnEGMLhfmdLrD16dzOW8xL5HPUU=",
                "NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ=",
            ],
        ],
    ],
]
TrustKit.initSharedInstance(withConfiguration: trustKitConfig)
