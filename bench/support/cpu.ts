import { readdirSync, readFileSync } from 'node:fs';

// Where the machine's CPU went, from /proc: a process's own time (for a bench's cost per request) and, second by
// second, every process's, grouped (for a bench's slow seconds: who took the cores then).

const CLOCK_TICKS_PER_SECOND = 100;
const ticksToMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;

/** User plus system CPU of a process, in ms (fields 14 and 15 of /proc/<pid>/stat); 0 once it is gone. */
export function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return ticksToMs(Number(fields[11]) + Number(fields[12]));
  } catch {
    return 0;
  }
}

/** The whole machine's CPU time in ms, summed over its cores, by kind (the first line of /proc/stat). */
function machineTimes() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const field = (index: number) => ticksToMs(fields[index] ?? 0);
  // user nice system idle iowait irq softirq steal
  return {
    busy: field(0) + field(1) + field(2) + field(5) + field(6),
    system: field(2),
    idle: field(3),
    iowait: field(4),
    steal: field(7),
  };
}

/** PostgreSQL's processes by role (its title: "postgres: checkpointer", "postgres: autovacuum worker", a backend's "postgres: user db …"). */
function postgresRole(title: string): string {
  if (/^postgres: (checkpointer|walwriter|background writer|autovacuum|logical replication|walsender|archiver|startup)/.test(title)) {
    return `pg ${title.slice('postgres: '.length).split(' ').slice(0, 2).join(' ').replace(/ (worker|launcher)$/, '')}`;
  }
  return title.startsWith('postgres: ') ? 'pg backends' : 'pg other';
}

/** Every process's CPU so far by pid, and its group: a name given to its pid, PostgreSQL's role, or its command. */
function processTimes(named: Map<number, string>): Map<number, { group: string; ms: number }> {
  const times = new Map<number, { group: string; ms: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ticksToMs(Number(fields[11]) + Number(fields[12]));
      let group = named.get(pid);
      if (!group && comm === 'postgres') group = postgresRole(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim());
      times.set(pid, { group: group ?? comm, ms });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return times;
}

/** One second's CPU, in ms (1,000 is one core's whole second): by group, and the machine's busy, iowait and steal time. */
export type CpuSecond = { at: number; groups: Map<string, number>; busy: number; system: number; iowait: number; steal: number; idle: number };

/**
 * Samples the machine once a second until stopped and keeps each second's CPU by group, for a bench to show the
 * seconds it found slow: which processes had the cores (or whether the machine's host took them: steal).
 */
export function startCpuSampler(named: Map<number, string>) {
  const seconds: CpuSecond[] = [];
  let lastProcesses = processTimes(named);
  let lastMachine = machineTimes();
  const timer = setInterval(() => {
    const processes = processTimes(named);
    const machine = machineTimes();
    const groups = new Map<string, number>();
    for (const [pid, now] of processes) {
      // A process started within the second counts from 0: the time it took then is this second's.
      const used = now.ms - (lastProcesses.get(pid)?.ms ?? 0);
      if (used > 0) groups.set(now.group, (groups.get(now.group) ?? 0) + used);
    }
    seconds.push({
      at: Date.now(),
      groups,
      busy: machine.busy - lastMachine.busy,
      system: machine.system - lastMachine.system,
      iowait: machine.iowait - lastMachine.iowait,
      steal: machine.steal - lastMachine.steal,
      idle: machine.idle - lastMachine.idle,
    });
    lastProcesses = processes;
    lastMachine = machine;
  }, 1000);
  return {
    /** The sampled second that covers most of the second starting at `at` (a Date.now() time), if sampled yet. */
    secondOf(at: number): CpuSecond | undefined {
      return seconds.find((second) => second.at >= at + 500);
    },
    /** The seconds sampled from `from` to `to` (Date.now() times) summed, per second on average. */
    meanOf(from: number, to: number): CpuSecond | undefined {
      const within = seconds.filter((second) => second.at > from && second.at <= to);
      if (within.length === 0) return undefined;
      const mean = (pick: (second: CpuSecond) => number) => within.reduce((sum, second) => sum + pick(second), 0) / within.length;
      const groups = new Map<string, number>();
      for (const second of within) for (const [group, used] of second.groups) groups.set(group, (groups.get(group) ?? 0) + used / within.length);
      return { at: to, groups, busy: mean((s) => s.busy), system: mean((s) => s.system), iowait: mean((s) => s.iowait), steal: mean((s) => s.steal), idle: mean((s) => s.idle) };
    },
    stop: () => clearInterval(timer),
  };
}

/** A second's CPU in a line: the machine's busy, system, iowait and steal, then the groups that took the most. */
export function describeCpuSecond(second: CpuSecond, top = 6): string {
  const groups = [...second.groups].sort((a, b) => b[1] - a[1]).slice(0, top);
  const ms = (value: number) => value.toFixed(0);
  return [
    `cpu busy ${ms(second.busy)} sys ${ms(second.system)} iowait ${ms(second.iowait)} steal ${ms(second.steal)} idle ${ms(second.idle)} ms`,
    groups.map(([group, used]) => `${group} ${ms(used)}`).join(', '),
  ].join(' | ');
}
