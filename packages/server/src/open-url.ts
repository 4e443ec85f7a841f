import { spawn } from 'node:child_process';

/** The command that opens a URL in the desktop's browser on this platform. */
export function openCommand(platform: NodeJS.Platform = process.platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [] };
  // `start` is a cmd built-in; the empty title argument keeps a quoted URL from becoming the title.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  return { command: 'xdg-open', args: [] };
}

/**
 * Opens `url` in a browser when the platform's opener exists; never throws and never waits: a
 * missing opener (a server, a container) only means nothing opens. Resolves with whether it started.
 */
export function openUrl(url: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const { command, args } = openCommand();
  return new Promise((resolve) => {
    try {
      const child = spawn(command, [...args, url], { stdio: 'ignore', detached: true, env });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
