/**
 * Starts nginx as a plain streaming reverse proxy of the bench upstream: the yardstick
 * for the "gateway CPU per relayed token within 2× of nginx" budget. One worker, so it
 * competes for the same share of the 2-core box as the single-threaded gateway;
 * `proxy_buffering off` so every upstream chunk is relayed as it arrives.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, spawnTracked, stopChild, waitForHttp } from './child-processes.ts';
import type { RunningProcess } from './running-process.ts';

const NGINX = '/usr/sbin/nginx';

/** The installed nginx version, or undefined when nginx is not installed. */
export function nginxVersion(): string | undefined {
  // nginx prints its version on stderr.
  const probe = spawnSync(NGINX, ['-v'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return undefined;
  return probe.stderr.trim().replace(/^nginx version: /, '') || undefined;
}

function nginxConfig(workDirectory: string, port: number, upstreamOrigin: string): string {
  const upstream = upstreamOrigin.replace(/^http:\/\//, '');
  return `daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid ${join(workDirectory, 'nginx.pid')};
error_log ${join(workDirectory, 'nginx-error.log')} warn;
events { worker_connections 10000; }
http {
  access_log off;
  client_body_temp_path ${join(workDirectory, 'nginx-temp/body')};
  proxy_temp_path ${join(workDirectory, 'nginx-temp/proxy')};
  fastcgi_temp_path ${join(workDirectory, 'nginx-temp/fastcgi')};
  uwsgi_temp_path ${join(workDirectory, 'nginx-temp/uwsgi')};
  scgi_temp_path ${join(workDirectory, 'nginx-temp/scgi')};
  upstream bench_upstream {
    server ${upstream};
    keepalive 4096;
  }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 120s;
    }
  }
}
`;
}

export async function startNginxProcess(
  workDirectory: string,
  upstreamOrigin: string,
): Promise<RunningProcess> {
  const port = await freePort();
  const directory = join(workDirectory, `nginx-${port}`);
  await mkdir(join(directory, 'nginx-temp'), { recursive: true });
  const configPath = join(directory, 'nginx.conf');
  await writeFile(configPath, nginxConfig(directory, port, upstreamOrigin));
  const child = spawnTracked(NGINX, ['-c', configPath, '-p', directory], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/`, 10_000);
  return {
    origin,
    pid: child.pid as number,
    // SIGTERM is nginx's fast shutdown; its workers exit with the master.
    stop: () => stopChild(child),
  };
}
