// Balancing algorithms by their config name (`balance:`). Adding one = one file + one line here.
import type { BalanceName, PoolConfig } from '../config/model.js';
import type { Balancer, BalancerFactory } from './balancer.js';
import { ConsistentHashBalancer } from './consistent-hash.js';
import { IpHashBalancer } from './ip-hash.js';
import { LeastConnBalancer } from './least-conn.js';
import { LeastTimeBalancer } from './least-time.js';
import { RandomTwoBalancer } from './random-two.js';
import { RoundRobinBalancer } from './round-robin.js';

const FACTORIES: Readonly<Record<BalanceName, BalancerFactory>> = {
  round_robin: () => new RoundRobinBalancer(),
  least_conn: () => new LeastConnBalancer(),
  ip_hash: () => new IpHashBalancer(),
  hash: () => new ConsistentHashBalancer(),
  least_time: () => new LeastTimeBalancer(),
  random: () => new RandomTwoBalancer(),
};

export const BALANCE_NAMES = Object.keys(FACTORIES) as readonly BalanceName[];

export function createBalancer(config: PoolConfig): Balancer {
  const factory = FACTORIES[config.balance] ?? FACTORIES.round_robin;
  return factory(config);
}
