// SPDX-License-Identifier: MIT
// tests/lib/s3-server.js DIR PORT KEY_ID SECRET [DIE_AFTER_BYTES]: an S3 server on 127.0.0.1:PORT
// ("listening PORT" once it is) over DIR, with bucket "vumaerp", that checks each request's
// SigV4 signature against KEY_ID/SECRET (@20minutes/s3rver, tools/install-deps). With
// DIE_AFTER_BYTES it exits, as a killed server does, once that many bytes of uploads came.
'use strict';
const dir = process.env.VUMAERP_NPM_DIR || '/usr/local/lib/vumaerp-npm';
const S3rver = require(dir + '/node_modules/@20minutes/s3rver');
const AWSAccount = require(dir + '/node_modules/@20minutes/s3rver/lib/models/account');
const [data, port, keyId, secret, dieAfter] = process.argv.slice(2);

AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
AWSAccount.DUMMY_ACCOUNT.createKeyPair(keyId, secret);
const server = new S3rver({ address: '127.0.0.1', port: Number(port), silent: true, directory: data,
                            configureBuckets: [{ name: 'vumaerp' }] });
server.run().then(({ port }) => {
  let received = 0;
  if (dieAfter)
    server.httpServer.on('request', (req) => req.on('data', (chunk) => {
      received += chunk.length;
      if (received >= Number(dieAfter))
        process.exit(9);
    }));
  console.log('listening ' + port);
});
