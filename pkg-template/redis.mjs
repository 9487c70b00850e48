// `wasmsocket/redis`: the Redis broker (Node and Deno; needs `npm install redis`).
export { RedisBroker } from './js/broker/redis.mjs';
