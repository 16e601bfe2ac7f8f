import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Compact encoding of the large JSON attributes of the identity graph (devices with their attribution
 * decisions, attribution history items): raw DEFLATE with a preset dictionary of the text every such
 * document repeats (property names, rule and fraud-check explanation templates), stored as a Binary
 * attribute beside its dictionary version (`zv`). A 2.5 KB device compresses to about 200 bytes, so
 * the item stays under the 1 KB a write capacity unit covers.
 *
 * The dictionary is part of the stored format: never edit `DICTIONARY_V1`. To improve it, add a
 * `DICTIONARY_V2`, write with it, and keep decoding every version ever written.
 */

export const CODEC_VERSION = 1;

const DICTIONARY_V1 = Buffer.from(
  '{"kind":"reinstall","status":"rejected","match":"click_id","view_through","reengagement":{"source":{' +
    '"touchpointId":"","network":""},"touchTimeMs":,"untilMs":,"counted":true},"adset":"","ad":""}Rule 4 ' +
    '(reinstall): device  was installed before and was last active  ago, under the 30 d reattribution win' +
    'dow ( short).Rule 4 (reattribution): device  was inactive  (at least the  d reattribution window) an' +
    'd a new touchpoint qualifies, at Result: reinstall credited to the first source, . Result: rejected ' +
    'for  (); no model credits a rejected install. , flagged (). Fraud check : failed, Identity: known de' +
    'vice , found by adid. Identity: advertising id and vendor id pointed at different devices; merged  i' +
    'nto , the device installed first, and linked its identifiers to .{"deviceId":"dev_","tenantId":"","a' +
    'ppId":"","advertisingIds":[""],"vendorIds":[],"customerUserIds":[],"firstSeenMs":17951,"lastEventMs"' +
    ':17951,"installCount":1,"version":1,"currentAttribution":{"tenantId":"","appId":"","deviceId":"dev_"' +
    ',"eventId":"","status":"organic","kind":"install","match":"none","installTimeMs":17951,"fraud":[],"c' +
    'redits":{"last_touch":[],"first_touch":[],"linear":[],"time_decay":[],"position_based":[]},"explanat' +
    'ion":["Identity: new device dev_.","Rule 1 (install): first install of device dev_, at 2026-11-20T11' +
    ':00:00.000Z.","Rule 2 (precedence): no touchpoint found for this install (no referrer click id, devi' +
    'ce-id or signature match).","Fraud checks: not run; an organic install has no network to pay.","Resu' +
    'lt: organic."]}}{"deviceId":"dev_","tenantId":"","appId":"","advertisingIds":[""],"vendorIds":[],"cu' +
    'stomerUserIds":[],"firstSeenMs":17951,"lastEventMs":17951,"installCount":1,"version":1,"currentAttri' +
    'bution":{"tenantId":"","appId":"","deviceId":"dev_","eventId":"","status":"attributed","kind":"insta' +
    'll","source":{"touchpointId":"","network":"tiktok","campaign":"winter"},"match":"probabilistic","tou' +
    'chTimeMs":17951,"ctitSeconds":3599,"installTimeMs":17951,"fraud":[],"credits":{"last_touch":[{"touch' +
    'pointId":"","network":"tiktok","campaign":"winter","credit":1}],"first_touch":[{"touchpointId":"","n' +
    'etwork":"tiktok","campaign":"winter","credit":1}],"linear":[{"touchpointId":"","network":"tiktok","c' +
    'ampaign":"winter","credit":1}],"time_decay":[{"touchpointId":"","network":"tiktok","campaign":"winte' +
    'r","credit":1}],"position_based":[{"touchpointId":"","network":"tiktok","campaign":"winter","credit"' +
    ':1}]},"explanation":["Identity: new device dev_.","Rule 1 (install): first install of device dev_, a' +
    't 2026-11-20T11:00:00.000Z.","Rule 2 (precedence): winner click  (tiktok / winter), matched by the I' +
    'P + User-Agent signature (probabilistic click), 59 min 59 s before the install (1 qualifying of 1 fo' +
    'und).","Fraud check click_injection: passed, click-to-install time 3599 s is at or above the 10 s th' +
    'reshold.","Fraud check malformed_advertising_id: passed, advertising id is a valid UUID or was not s' +
    'ent.","Fraud check bot_user_agent: passed, no bot User-Agent on the install or the touchpoint.","Fra' +
    'ud check install_rate_per_ip: passed, install 1 from its IP this hour, limit 50.","Fraud check data_' +
    'center_ip: not applicable, no data-centre ranges configured.","Result: attributed to tiktok / winter' +
    '."]}}{"deviceId":"dev_","tenantId":"","appId":"","advertisingIds":[""],"vendorIds":[],"customerUserI' +
    'ds":[],"firstSeenMs":17951,"lastEventMs":17951,"installCount":1,"version":1,"currentAttribution":{"t' +
    'enantId":"","appId":"","deviceId":"dev_","eventId":"","status":"attributed","kind":"install","source' +
    '":{"touchpointId":"","network":"meta","campaign":"winter"},"match":"device_id","touchTimeMs":17951,"' +
    'ctitSeconds":3600,"installTimeMs":17951,"fraud":[],"credits":{"last_touch":[{"touchpointId":"","netw' +
    'ork":"meta","campaign":"winter","credit":1}],"first_touch":[{"touchpointId":"","network":"meta","cam' +
    'paign":"winter","credit":1}],"linear":[{"touchpointId":"","network":"meta","campaign":"winter","cred' +
    'it":1}],"time_decay":[{"touchpointId":"","network":"meta","campaign":"winter","credit":1}],"position' +
    '_based":[{"touchpointId":"","network":"meta","campaign":"winter","credit":1}]},"explanation":["Ident' +
    'ity: new device dev_.","Rule 1 (install): first install of device dev_, at 2026-11-20T11:00:00.000Z.' +
    '","Rule 2 (precedence): winner click  (meta / winter), matched by a device id (click), 1 h before th' +
    'e install (1 qualifying of 1 found).","Fraud check click_injection: passed, click-to-install time 36' +
    '00 s is at or above the 10 s threshold.","Fraud check malformed_advertising_id: passed, advertising ' +
    'id is a valid UUID or was not sent.","Fraud check bot_user_agent: passed, no bot User-Agent on the i' +
    'nstall or the touchpoint.","Fraud check install_rate_per_ip: passed, install 1 from its IP this hour' +
    ', limit 50.","Fraud check data_center_ip: not applicable, no data-centre ranges configured.","Result' +
    ': attributed to meta / winter."]}}{"deviceId":"dev_","tenantId":"","appId":"","advertisingIds":[""],' +
    '"vendorIds":[],"customerUserIds":[],"firstSeenMs":17951,"lastEventMs":17951,"installCount":1,"versio' +
    'n":1,"currentAttribution":{"tenantId":"","appId":"","deviceId":"dev_","eventId":"","status":"attribu' +
    'ted","kind":"install","source":{"touchpointId":"","network":"google","campaign":"winter"},"match":"d' +
    'evice_id","touchTimeMs":17951,"ctitSeconds":3599,"installTimeMs":17951,"fraud":[],"credits":{"last_t' +
    'ouch":[{"touchpointId":"","network":"google","campaign":"winter","credit":1}],"first_touch":[{"touch' +
    'pointId":"","network":"meta","campaign":"winter","credit":1}],"linear":[{"touchpointId":"","network"' +
    ':"meta","campaign":"winter","credit":0.5},{"touchpointId":"","network":"google","campaign":"winter",' +
    '"credit":0.5}],"time_decay":[{"touchpointId":"","network":"meta","campaign":"winter","credit":0.4999' +
    '997134808281},{"touchpointId":"","network":"google","campaign":"winter","credit":0.5000002865191719}' +
    '],"position_based":[{"touchpointId":"","network":"meta","campaign":"winter","credit":0.5},{"touchpoi' +
    'ntId":"","network":"google","campaign":"winter","credit":0.5}]},"explanation":["Identity: new device' +
    ' dev_.","Rule 1 (install): first install of device dev_, at 2026-11-20T11:00:00.000Z.","Rule 2 (prec' +
    'edence): winner click  (google / winter), matched by a device id (click), 59 min 59 s before the ins' +
    'tall (2 qualifying of 2 found).","Beat click  (meta / winter): same class, older: 1 s before the win' +
    'ner.","Fraud check click_injection: passed, click-to-install time 3599 s is at or above the 10 s thr' +
    'eshold.","Fraud check malformed_advertising_id: passed, advertising id is a valid UUID or was not se' +
    'nt.","Fraud check bot_user_agent: passed, no bot User-Agent on the install or the touchpoint.","Frau' +
    'd check install_rate_per_ip: passed, install 1 from its IP this hour, limit 50.","Fraud check data_c' +
    'enter_ip: not applicable, no data-centre ranges configured.","Result: attributed to google / winter.' +
    '"]}}',
  'utf8',
);

const DICTIONARIES: Readonly<Record<number, Buffer>> = { 1: DICTIONARY_V1 };

/** Encodes a JSON-serialisable value with the current dictionary. */
export function encodeDocument(value: unknown): Uint8Array {
  return deflateRawSync(JSON.stringify(value), { level: 9, dictionary: DICTIONARY_V1 });
}

/** Decodes what `encodeDocument` wrote with dictionary version `version`. */
export function decodeDocument<T>(bytes: Uint8Array, version: number): T {
  const dictionary = DICTIONARIES[version];
  if (!dictionary) throw new Error(`identity graph: unknown document codec version ${version}`);
  return JSON.parse(inflateRawSync(bytes, { dictionary }).toString('utf8')) as T;
}
