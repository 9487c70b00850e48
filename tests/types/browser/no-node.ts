// The Node-only exports are not part of the runtime-agnostic types.
// @ts-expect-error listenWS is Node-only
import { listenWS } from 'wasmsocket';
console.log(listenWS);
