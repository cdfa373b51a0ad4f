// CPU time from /proc (Linux only), in clock ticks: of chosen processes, of every PostgreSQL
// process, and of the whole machine (busy and idle). Counted rather than sampled, so an A/B of
// one change reads the same on a machine whose speed moves 30–50 % between runs.
import { readdirSync, readFileSync } from 'node:fs';

export const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU ticks (user + system) of the processes whose command line passes `keep`. A process that
 * ends between two reads (an autovacuum worker, a connection closed) takes its ticks with it, so
 * a difference of two sums can come out negative: take differences with cpuTicksSince.
 */
export function cpuTicks(keep: (commandLine: string, pid: number) => boolean): number {
  let ticks = 0;
  for (const ticksOfPid of ticksByPid(keep).values()) ticks += ticksOfPid;
  return ticks;
}

/** Ticks by pid of the processes `keep` passes. */
export function ticksByPid(keep: (commandLine: string, pid: number) => boolean): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!keep(readFileSync(`/proc/${entry}/cmdline`, 'utf8'), Number(entry))) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return ticks;
}

/**
 * Ticks spent since `before` (a ticksByPid) by the processes `keep` passes now: a process that
 * ended meanwhile is left out rather than subtracted, one that started counts from zero.
 */
export function cpuTicksSince(
  before: Map<number, number>,
  keep: (commandLine: string, pid: number) => boolean,
): number {
  let ticks = 0;
  for (const [pid, now] of ticksByPid(keep)) ticks += now - (before.get(pid) ?? 0);
  return ticks;
}

export const isPostgres = (cmd: string) => /(^|\/)postgres\0/.test(cmd) || cmd.startsWith('postgres:');

export const processTicks = (pid: number) => cpuTicks((_cmd, p) => p === pid);

/** The machine's busy and idle ticks, all CPUs together (/proc/stat's first line). */
export function machineTicks(): { busy: number; idle: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
}
