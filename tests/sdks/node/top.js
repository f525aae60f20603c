// One TOP API call through one npm TOP SDK, unmodified, configured only through its own settings.
//
//   node top.js SDK METHOD PARAMS_JSON
//
// SDK is node-taobao-topclient, topsdk or ali-topsdk; the gateway and app come from the
// environment: TOP_URL (the router, e.g. http://127.0.0.1:PORT/router/rest), TOP_APP_KEY,
// TOP_APP_SECRET. A param given as {"file": PATH} is sent as a multipart file part in the
// SDK's own way. Prints one JSON line:
//   {"result": ...}          what the SDK's execute gave
//   {"rejected": {...}}      the Error its promise rejected with (name, message, code, sub_code)
//   {"callback_error": ...}  what its callback got as the error, as it is
'use strict';

const fs = require('fs');
const path = require('path');

const [sdk, method, paramsJson] = process.argv.slice(2);
const url = process.env.TOP_URL;
const appkey = process.env.TOP_APP_KEY;
const appsecret = process.env.TOP_APP_SECRET;
const params = JSON.parse(paramsJson || '{}');

// The SDKs set no request timeout; a hung call must still end the process.
setTimeout(() => print({ timeout: 'no answer in 10 s' }, 2), 10000).unref();

function print(outcome, status = 0) {
  // Exit on purpose: keep-alive sockets must not hold the process open.
  process.stdout.write(JSON.stringify(outcome) + '\n', () => process.exit(status));
}

function described(error) {
  return { name: error.name, message: error.message, code: error.code, sub_code: error.sub_code };
}

// File parts as each SDK takes them: a Buffer (ali-topsdk) or {value, options} (topsdk).
const files = Object.keys(params).filter((name) => params[name] && params[name].file);
function withFiles(shape) {
  const out = { ...params };
  for (const name of files) {
    const file = params[name].file;
    out[name] = shape(fs.readFileSync(file), path.basename(file));
  }
  return out;
}

function settle(promise) {
  promise.then(
    // topsdk resolves undefined when its response key is absent; null says the same in JSON.
    (result) => print({ result: result === undefined ? null : result }),
    (error) => print({ rejected: described(error) }),
  );
}

switch (sdk) {
  case 'node-taobao-topclient': {
    if (files.length) throw new Error('node-taobao-topclient has no multipart: it JSON-encodes a Buffer');
    const TopClient = require('node-taobao-topclient').default; // a Babel build: CommonJS needs .default
    settle(new TopClient({ appkey, appsecret, REST_URL: url }).execute(method, params));
    break;
  }
  case 'topsdk': {
    const TopClient = require('topsdk');
    const client = new TopClient(appkey, appsecret, { endpoint: url });
    if (files.length) {
      const part = (value, filename) => ({ value, options: { filename, contentType: 'image/jpeg' } });
      settle(client.execute(method, withFiles(part), 'file_upload'));
    } else {
      settle(client.execute(method, params));
    }
    break;
  }
  case 'ali-topsdk': {
    // Callback only; every POST is multipart, and a Buffer param becomes a file part.
    const { ApiClient } = require('ali-topsdk');
    const client = new ApiClient({ appkey, appsecret, url });
    client.execute(method, withFiles((buffer) => buffer), (error, result) =>
      print(error ? { callback_error: error instanceof Error ? described(error) : error } : { result }),
    );
    break;
  }
  default:
    throw new Error(`unknown SDK ${sdk}: node-taobao-topclient, topsdk or ali-topsdk`);
}
