// Balancing algorithms by their config name. Adding one = one file + one line here.
import type { BalanceName, PoolConfig } from '../config/model.js';
import type { Balancer, BalancerFactory } from './balancer.js';
import { RoundRobinBalancer } from './round-robin.js';

const FACTORIES: Partial<Record<BalanceName, BalancerFactory>> = {
  round_robin: () => new RoundRobinBalancer(),
};

export function createBalancer(config: PoolConfig): Balancer {
  const factory = FACTORIES[config.balance] ?? FACTORIES.round_robin!;
  return factory(config);
}
