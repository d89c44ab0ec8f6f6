import { initializeSslPinning } from 'react-native-ssl-public-key-pinning';

await initializeSslPinning({
  'example.com': {
    includeSubdomains: true,
    publicKeyHashes: [
      'GdFdLtUJsf8LYUO/GnEGMLhfmdLrD16dzOW8xL5HPUU=',
      'NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ=',
    ],
    expirationDate: '2027-06-30',
  },
});
