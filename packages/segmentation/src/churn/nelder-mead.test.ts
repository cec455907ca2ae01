import { describe, expect, it } from 'vitest';
import { minimiseNelderMead } from './nelder-mead.ts';

describe('Nelder–Mead', () => {
  it("finds the minimum of Rosenbrock's banana valley from its classic start", () => {
    const rosenbrock = ([x = 0, y = 0]: readonly number[]): number => 100 * (y - x * x) ** 2 + (1 - x) ** 2;
    const min = minimiseNelderMead(rosenbrock, [-1.2, 1]);
    expect(min.converged).toBe(true);
    expect(min.point[0]).toBeCloseTo(1, 6);
    expect(min.point[1]).toBeCloseTo(1, 6);
    expect(min.value).toBeLessThan(1e-12);
  });

  it('handles four badly scaled coordinates, like the log-parameters of a likelihood', () => {
    const centre = [-1.4, 1.5, -0.2, 0.9];
    const scale = [1, 100, 0.01, 10];
    const bowl = (p: readonly number[]): number =>
      p.reduce((sum, v, i) => sum + (scale[i] as number) * (v - (centre[i] as number)) ** 2, 0);
    const min = minimiseNelderMead(bowl, [0, 0, 0, 0]);
    expect(min.converged).toBe(true);
    min.point.forEach((v, i) => expect(v).toBeCloseTo(centre[i] as number, 5));
  });

  it('grows its simplex to cover a long way to the minimum', () => {
    // From steps of 1 a minimum 1,000 away takes about a thousand reflections without expansion.
    const min = minimiseNelderMead(([x = 0, y = 0]: readonly number[]) => (x - 1000) ** 2 + (y + 1000) ** 2, [0, 0], { step: 1 });
    expect(min.converged).toBe(true);
    expect(min.point[0]).toBeCloseTo(1000, 5);
    expect(min.iterations).toBeLessThan(200);
  });

  it('moves away from points where the objective is undefined', () => {
    // Defined only for x > 0, minimum at x = 2: a start next to the boundary makes the first simplex
    // steps land outside it.
    const f = ([x = 0]: readonly number[]): number => (x > 0 ? (Math.log(x) - Math.log(2)) ** 2 : Number.NaN);
    const min = minimiseNelderMead(f, [0.1], { step: 1 });
    expect(min.converged).toBe(true);
    expect(min.point[0]).toBeCloseTo(2, 6);
  });

  it('says so when it runs out of iterations', () => {
    const rosenbrock = ([x = 0, y = 0]: readonly number[]): number => 100 * (y - x * x) ** 2 + (1 - x) ** 2;
    const min = minimiseNelderMead(rosenbrock, [-1.2, 1], { maxIterations: 20 });
    expect(min.converged).toBe(false);
    expect(min.iterations).toBe(20);
  });

  it('refuses a start where the objective is not finite', () => {
    expect(() => minimiseNelderMead(() => Number.NaN, [0])).toThrow(RangeError);
  });
});
