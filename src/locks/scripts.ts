/**
 * The Lua scripts that make every lock operation atomic on the Redis server. A lock is a string key
 * holding the holder as JSON, written with `SET NX PX`; the `owner` field (`pr#<n>`) is what every
 * owner-checked operation compares. Two sets index the locks: per PR (for release on merge/close) and
 * per repository (for listing). Set entries may outlive their lock (TTL expiry); every reader treats
 * a member whose lock is gone, or held by someone else, as stale. The sets themselves expire no later
 * than the longest lease they index, so nothing outlives a PR by more than one TTL.
 *
 * releaseAll and forceUnlock compute key names inside the script. Redis Cluster allows that only for keys
 * in the slot of the declared ones: on a Cluster every key has the prefix's hash tag (`{bosun}:locks:…`,
 * see keyPrefixFor in src/jobs/connection.ts), so they are.
 */

const keepAlive = `
local function keep(key, ttl)
  if redis.call('PTTL', key) < tonumber(ttl) then redis.call('PEXPIRE', key, ttl) end
end
`;

/**
 * KEYS: lock, pr set, repo set. ARGV: value, ttl ms, owner, member.
 * Returns {1, value, pttl} when held (new or re-entered: the lease is renewed, the original holder
 * record kept), {0, value, pttl} when someone else holds it.
 */
export const acquireScript = `${keepAlive}
local current = ARGV[1]
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  current = redis.call('GET', KEYS[1])
  if cjson.decode(current).owner ~= ARGV[3] then
    return {0, current, redis.call('PTTL', KEYS[1])}
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
redis.call('SADD', KEYS[2], ARGV[4])
keep(KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[4])
keep(KEYS[3], ARGV[2])
return {1, current, redis.call('PTTL', KEYS[1])}
`;

/** KEYS: lock, pr set, repo set. ARGV: owner, ttl ms. Returns the new pttl, or 0 when not the owner. */
export const heartbeatScript = `${keepAlive}
local current = redis.call('GET', KEYS[1])
if not current or cjson.decode(current).owner ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
keep(KEYS[2], ARGV[2])
keep(KEYS[3], ARGV[2])
return redis.call('PTTL', KEYS[1])
`;

/** KEYS: lock, pr set, repo set. ARGV: owner, member. Returns 1 when released, 0 when not the owner. */
export const releaseScript = `
local current = redis.call('GET', KEYS[1])
if not current or cjson.decode(current).owner ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
redis.call('SREM', KEYS[3], ARGV[2])
return 1
`;

/**
 * KEYS: pr set, repo set. ARGV: owner, lock key prefix. Releases every lock in the PR's set that the
 * PR still owns; returns their members.
 */
export const releaseAllScript = `
local released = {}
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[2] .. member
  local current = redis.call('GET', key)
  if current and cjson.decode(current).owner == ARGV[1] then
    redis.call('DEL', key)
    redis.call('SREM', KEYS[2], member)
    table.insert(released, member)
  end
end
redis.call('DEL', KEYS[1])
return released
`;

/**
 * KEYS: lock, repo set. ARGV: member, pr set key prefix. Deletes the lock whoever holds it; returns
 * the old value (or nil).
 */
export const forceUnlockScript = `
local current = redis.call('GET', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
if not current then return nil end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[2] .. cjson.decode(current).owner, ARGV[1])
return current
`;
