// A Matrix user on matrix-js-sdk with its Rust crypto (initRustCrypto: the stack Element uses), driven by a test
// over stdin/stdout: one JSON command per line in, one JSON reply per line out ({"id", "ok", ...} or
// {"id", "ok": false, "error"}). Everything else (the SDK's and the crypto's logging) goes to stderr.
// Commands run concurrently; replies carry the command's id. See tests/js_user.py for the other side.

// stdout is the protocol: anything the SDK or the wasm crypto prints goes to stderr, whatever method it uses.
for (const method of ["log", "info", "debug", "warn", "trace"]) console[method] = console.error;

// matrix-js-sdk >= 37.6 declares Node >= 22; the one thing it uses that Node 20 lacks is Promise.withResolvers
// (ES2024). A no-op on Node 22 and later.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}

const readline = await import("node:readline");
const sdk = await import("matrix-js-sdk");
const { logger } = await import("matrix-js-sdk/lib/logger.js");
const { OnlySignedDevicesIsolationMode, AllDevicesIsolationMode, EventShieldColour, EventShieldReason,
  VerificationPhase, VerificationRequestEvent, VerifierEvent } = await import("matrix-js-sdk/lib/crypto-api/index.js");

logger.setLevel(process.env.ZVH_JS_LOG || "warn");

const TIMELINE_LIMIT = 200; // rooms in the tests are small: one sync shows all that happened, never a gap

let client = null;
let password = null;
const seen = new Map(); // room id -> Set of MatrixEvent (kept ourselves: a gappy sync resets the SDK's timeline)

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function need() {
  if (!client) throw new Error("not logged in");
  return client;
}

function crypto() {
  const crypto = need().getCrypto();
  if (!crypto) throw new Error("crypto not started (op start)");
  return crypto;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, check, timeoutMs = 30_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

function record(event, room) {
  const roomId = room?.roomId ?? event.getRoomId();
  if (!roomId) return;
  if (!seen.has(roomId)) seen.set(roomId, new Set());
  seen.get(roomId).add(event);
}

// Our membership of a room. Synapse sometimes sends a room's invite again in the sync right after the one that
// carried our join (a race in its sync: the invite is older than the join in the room's own timeline), and the SDK
// then takes us for invited again (seen here in about one run in five on a loaded machine). Our own member events
// in the timeline, in the order the room has them, are the truth then.
function membershipOf(room) {
  const sdkSays = room.getMyMembership();
  if (sdkSays !== "invite") return sdkSays;
  let latest = null;
  for (const event of seen.get(room.roomId) ?? []) {
    if (event.getType() === "m.room.member" && event.getStateKey() === need().getUserId()) latest = event;
  }
  return latest?.getContent()?.membership === "join" ? "join" : sdkSays;
}

function roomIn(roomId, membership) {
  const room = need().getRoom(roomId);
  return room && membershipOf(room) === membership ? room : null;
}

// ---- operations ---------------------------------------------------------------------------------------------

const ops = {
  async login({ baseUrl, userId, accessToken, deviceId, password: pw, user }) {
    if (client) throw new Error("already logged in");
    if (!accessToken) { // password login, as Element does on a new device
      const anon = sdk.createClient({ baseUrl });
      const response = await anon.loginRequest({
        type: "m.login.password", identifier: { type: "m.id.user", user: user ?? userId }, password: pw,
        initial_device_display_name: "zvh test (matrix-js-sdk)",
      });
      ({ user_id: userId, access_token: accessToken, device_id: deviceId } = response);
      anon.stopClient();
    }
    if (!deviceId) deviceId = (await sdk.createClient({ baseUrl, accessToken }).whoami()).device_id;
    password = pw ?? null;
    client = sdk.createClient({ baseUrl, userId, accessToken, deviceId, timelineSupport: false });
    client.on(sdk.RoomEvent.Timeline, (event, room) => record(event, room));
    client.on(sdk.RoomEvent.MyMembership, (room, membership, previous) =>
      console.error(`membership ${room.roomId}: ${previous} -> ${membership} (${Date.now()})`));
    return { userId, deviceId, accessToken };
  },

  async start({ crossSigning = false }) {
    const c = need();
    await c.initRustCrypto({ useIndexedDB: false });
    const prepared = new Promise((resolve, reject) => {
      const onSync = (state, _previous, data) => {
        if (state === "PREPARED" || state === "SYNCING") { c.off(sdk.ClientEvent.Sync, onSync); resolve(); }
        if (state === "ERROR") { c.off(sdk.ClientEvent.Sync, onSync); reject(data?.error ?? new Error("sync error")); }
      };
      c.on(sdk.ClientEvent.Sync, onSync);
    });
    const filter = new sdk.Filter(c.getUserId());
    filter.setDefinition({ room: { timeline: { limit: TIMELINE_LIMIT }, state: { lazy_load_members: false } } });
    await c.startClient({ filter, initialSyncLimit: TIMELINE_LIMIT, lazyLoadMembers: false });
    await prepared;
    // Others can only encrypt for us once our device keys are on the homeserver: wait until they are.
    await until("our device keys on the homeserver", async () => {
      const keys = await c.downloadKeysForUsers([c.getUserId()]);
      return keys.device_keys?.[c.getUserId()]?.[c.getDeviceId()];
    });
    if (crossSigning) await ops.bootstrap_cross_signing({});
    return { deviceKeys: await crypto().getOwnDeviceKeys() };
  },

  async bootstrap_cross_signing() {
    // As Element does at the first login: a cross-signing identity, this device signed by it. Synapse lets the
    // first upload of cross-signing keys through without interactive auth (MSC3967); the password is the fallback.
    const c = need();
    await crypto().bootstrapCrossSigning({
      authUploadDeviceSigningKeys: async (makeRequest) => {
        try {
          await makeRequest(null);
        } catch (error) {
          if (!password || !error?.data?.session) throw error;
          await makeRequest({ type: "m.login.password", session: error.data.session, password,
            identifier: { type: "m.id.user", user: c.getUserId() } });
        }
      },
    });
    const status = await crypto().getDeviceVerificationStatus(c.getUserId(), c.getDeviceId());
    return { ready: await crypto().isCrossSigningReady(), signedByOwner: status?.signedByOwner ?? false };
  },

  async set_isolation({ mode }) {
    if (mode === "only_signed") crypto().setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
    else if (mode === "all") crypto().setDeviceIsolationMode(new AllDevicesIsolationMode(false));
    else throw new Error(`unknown isolation mode ${mode}`);
    return {};
  },

  async join({ roomId }) {
    // Each step timed on stderr, so a slow join says which step was slow (the POST, or the sync showing it).
    const started = Date.now();
    const step = (what) => console.error(`join ${roomId}: ${what} after ${(Date.now() - started) / 1000}s (${Date.now()}) ` +
      `(sync state ${need().getSyncState()})`);
    await need().joinRoom(roomId);
    step("joined on the homeserver");
    // An encrypted room can be written to once a sync has shown it (its m.room.encryption and members).
    // Generous: on a loaded machine the Rust crypto's first sync of an encrypted room takes its time.
    try {
      await until(`${roomId} joined in sync`, () => roomIn(roomId, "join"), 90_000);
    } catch (error) {
      const room = need().getRoom(roomId);
      const mine = room?.currentState.getStateEvents("m.room.member", need().getUserId());
      const events = [...(seen.get(roomId) ?? [])].map((e) => `${e.getType()}/${e.getStateKey() ?? "-"}` +
        `/${e.getContent()?.membership ?? ""}`);
      step(`not shown by the sync: room ${room ? "known" : "unknown"}, membership ${room && membershipOf(room)}, ` +
        `member event ${JSON.stringify(mine?.getContent())}, seen ${events.join(" ")}`);
      throw error;
    }
    step("shown by the sync");
    return { roomId };
  },

  async send({ roomId, body, formattedBody, mentions, msgtype = "m.text", relatesTo, type = "m.room.message",
               content }) {
    content ??= { msgtype, body };
    if (formattedBody) Object.assign(content, { format: "org.matrix.custom.html", formatted_body: formattedBody });
    if (mentions) content["m.mentions"] = mentions;
    if (relatesTo) content["m.relates_to"] = relatesTo;
    await until(`${roomId} joined in sync`, () => roomIn(roomId, "join"));
    const { event_id } = await need().sendEvent(roomId, type, content);
    return { eventId: event_id };
  },

  async reply({ roomId, eventId, body, ...rest }) {
    return ops.send({ roomId, body, relatesTo: { "m.in_reply_to": { event_id: eventId } }, ...rest });
  },

  async react({ roomId, eventId, key }) {
    return ops.send({ roomId, type: "m.reaction",
      content: { "m.relates_to": { rel_type: "m.annotation", event_id: eventId, key } } });
  },

  async create_dm({ userId, encrypted = true }) {
    // As Element starts a direct chat: trusted_private_chat, is_direct, encrypted from the start, m.direct.
    const c = need();
    const initial_state = encrypted
      ? [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }] : [];
    const { room_id } = await c.createRoom({ preset: "trusted_private_chat", visibility: "private", is_direct: true,
      invite: [userId], initial_state });
    const direct = { ...(c.getAccountData("m.direct")?.getContent() ?? {}) };
    direct[userId] = [...(direct[userId] ?? []), room_id];
    await c.setAccountData("m.direct", direct);
    await until(`${room_id} in sync`, () => roomIn(room_id, "join"));
    return { roomId: room_id };
  },

  async events({ roomId }) {
    const c = need();
    const result = {};
    const roomIds = roomId ? [roomId] : [...seen.keys()];
    for (const id of roomIds) {
      const list = [];
      const ids = new Set();
      for (const event of seen.get(id) ?? []) {
        const eventId = event.getId();
        if (!eventId || !eventId.startsWith("$") || ids.has(eventId)) continue; // local echoes not yet sent
        ids.add(eventId);
        list.push(await describe(c, event));
      }
      list.sort((a, b) => a.origin_server_ts - b.origin_server_ts);
      result[id] = list;
    }
    return { events: result };
  },

  async invites() {
    const rooms = need().getRooms().filter((room) => membershipOf(room) === "invite");
    return { invites: rooms.map((room) => {
      const state = room.currentState;
      const me = state.getStateEvents("m.room.member", need().getUserId());
      return { roomId: room.roomId, name: state.getStateEvents("m.room.name", "")?.getContent()?.name ?? null,
        inviter: me?.getSender() ?? null, isDirect: Boolean(me?.getContent()?.is_direct),
        encrypted: Boolean(state.getStateEvents("m.room.encryption", "")) };
    }) };
  },

  async rooms() {
    return { rooms: need().getRooms().map((room) => ({ roomId: room.roomId, membership: membershipOf(room),
      name: room.name, encrypted: room.hasEncryptionStateEvent() })) };
  },

  async device_info({ userId, deviceId }) {
    const devices = await crypto().getUserDeviceInfo([userId], true);
    const ids = deviceId ? [deviceId] : [...(devices.get(userId)?.keys() ?? [])];
    const result = [];
    for (const id of ids) {
      const status = await crypto().getDeviceVerificationStatus(userId, id);
      result.push({ deviceId: id, known: status !== null, signedByOwner: status?.signedByOwner ?? false,
        crossSigningVerified: status?.crossSigningVerified ?? false, localVerified: status?.localVerified ?? false,
        verified: status?.isVerified() ?? false });
    }
    const user = await crypto().getUserVerificationStatus(userId);
    return { devices: result, user: { known: user.known, verified: user.isVerified(),
      crossSigningVerified: user.isCrossSigningVerified(), wasCrossSigningVerified: user.wasCrossSigningVerified(),
      needsUserApproval: user.needsUserApproval } };
  },

  async verify_user({ userId, roomId, confirm = true }) {
    // "Verify" on a user's profile in Element: an in-room emoji (SAS) verification in the DM with them.
    const request = await crypto().requestVerificationDM(userId, roomId);
    await until("the verification request accepted", () =>
      request.phase === VerificationPhase.Ready || request.phase === VerificationPhase.Cancelled, 30_000);
    if (request.phase === VerificationPhase.Cancelled) {
      return { phase: "cancelled", cancel: request.cancellationCode ?? null, emoji: null, verified: false };
    }
    const verifier = await request.startVerification("m.sas.v1");
    let emoji = null;
    verifier.on(VerifierEvent.ShowSas, (sas) => {
      emoji = sas.sas.emoji.map(([symbol]) => symbol);
      if (confirm) sas.confirm(); else sas.mismatch();
    });
    let error = null;
    try {
      await verifier.verify();
    } catch (e) {
      error = String(e?.message ?? e);
    }
    await until("the verification finished", () =>
      request.phase === VerificationPhase.Done || request.phase === VerificationPhase.Cancelled, 30_000);
    // The client signs the verified identity with its user-signing key and uploads that: give it a moment.
    let verified = false;
    if (request.phase === VerificationPhase.Done) {
      verified = await until("the identity marked verified", async () =>
        (await crypto().getUserVerificationStatus(userId)).isCrossSigningVerified(), 10_000).catch(() => false);
    }
    const device = await crypto().getDeviceVerificationStatus(userId, request.otherDeviceId ?? "");
    return { phase: request.phase === VerificationPhase.Done ? "done" : "cancelled", emoji, error,
      cancel: request.cancellationCode ?? null, verified, deviceVerified: device?.isVerified() ?? null };
  },

  async stop() {
    if (client) {
      client.stopClient();
      client.getCrypto()?.stop?.();
    }
    setTimeout(() => process.exit(0), 50);
    return {};
  },
};

async function describe(c, event) {
  const failure = event.isDecryptionFailure();
  // An event that could not be decrypted keeps its wire type and content here (the SDK would show it as an
  // m.room.message with msgtype m.bad.encrypted, which a test could mistake for a message).
  const described = {
    event_id: event.getId(), type: failure ? event.getWireType() : event.getType(), wire_type: event.getWireType(),
    sender: event.getSender(), state_key: event.getStateKey() ?? null, origin_server_ts: event.getTs(),
    content: failure ? event.getWireContent() : event.getContent(),
    encrypted: event.isEncrypted(), decryption_failure: failure ? (event.decryptionFailureReason ?? "UNKNOWN") : null,
    // What Element builds on: the reply target and the relation (reaction, edit, thread) come from the wire
    // content, so in an encrypted event m.relates_to must be in the clear to count (as the spec asks).
    reply_to: event.replyEventId ?? null, relation: event.getRelation(),
    shield: null,
  };
  if (event.isEncrypted() && event.getSender() !== c.getUserId() && !failure && !event.isBeingDecrypted()) {
    const info = await c.getCrypto().getEncryptionInfoForEvent(event);
    if (info) {
      described.shield = { colour: EventShieldColour[info.shieldColour], reason:
        info.shieldReason === null ? null : EventShieldReason[info.shieldReason] };
    }
  }
  if (event.isBeingDecrypted()) described.decrypting = true;
  return described;
}

// ---- the line protocol --------------------------------------------------------------------------------------

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  if (!line.trim()) return;
  let command;
  try {
    command = JSON.parse(line);
  } catch (error) {
    out({ id: null, ok: false, error: `bad JSON: ${error.message}` });
    return;
  }
  const { id, op, ...args } = command;
  try {
    if (!Object.hasOwn(ops, op)) throw new Error(`unknown op ${op}`);
    out({ id, ok: true, ...(await ops[op](args)) });
  } catch (error) {
    console.error(`op ${op} failed:`, error);
    out({ id, ok: false, error: String(error?.message ?? error) + (error?.errcode ? ` (${error.errcode})` : "") });
  }
});
lines.on("close", () => {
  client?.stopClient();
  process.exit(0);
});
process.on("unhandledRejection", (error) => console.error("unhandled rejection:", error));
