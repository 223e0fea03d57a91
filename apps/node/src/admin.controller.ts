import { NodeConfig } from '@trent/config';
import { KmsService } from '@trent/kms';
import { Body, Controller, Get, HttpCode, HttpException, Inject, NotFoundException, Post } from '@nestjs/common';
import cluster from 'node:cluster';
import { NODE_CONFIG } from './tokens';

/** Trent's own routes, outside the AWS API: health, status, and (dev mode) the cluster clock. */
@Controller('_trent')
export class AdminController {
  constructor(
    @Inject(KmsService) private readonly kms: KmsService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  @Get('health')
  health() {
    return { status: 'ok', region: this.config.region, nodeId: this.config.nodeId };
  }

  @Get('status')
  status() {
    // The node's pid is the primary's (the one the launcher started); this answer comes from one of its workers.
    return { region: this.config.region, nodeId: this.config.nodeId, pid: cluster.isWorker ? process.ppid : process.pid, workers: this.config.workers, worker: cluster.worker?.id, devMode: this.config.devMode, ...this.kms.status() };
  }

  @Post('clock/advance')
  @HttpCode(200)
  async advanceClock(@Body() body: unknown) {
    if (!this.config.devMode) throw new NotFoundException('The clock routes exist only in dev mode (TRENT_DEV_MODE=1).');
    const seconds = (body as { seconds?: unknown } | undefined)?.seconds;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 100 * 365 * 86400) {
      throw new HttpException({ message: 'body must be {"seconds": n} with 0 < n <= 100 years' }, 400);
    }
    return this.kms.advanceClock(seconds);
  }
}
