import { NodeConfig } from '@trent/config';
import { isKmsError, KmsErrorCode } from '@trent/protocol';
import { KmsService, MRK_ID } from '@trent/kms';
import { Body, Controller, Delete, Get, HttpCode, HttpException, Inject, NotFoundException, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import cluster from 'node:cluster';
import type { NodeAdmin } from './node.module';
import { NODE_ADMIN, NODE_CONFIG } from './tokens';

const NODE_ID = /^[1-9][0-9]{0,2}$/;

/** HTTP statuses of the failover route's errors (AWS's own codes in the body). */
const FAILOVER_STATUS: Partial<Record<KmsErrorCode, number>> = {
  NotFoundException: 404,
  KMSInvalidStateException: 409,
  KMSInternalException: 503,
  DependencyTimeoutException: 504,
};

/** Trent's own routes, outside the AWS API: health, status, and (dev mode) the cluster clock. */
@Controller('_trent')
export class AdminController {
  constructor(
    @Inject(KmsService) private readonly kms: KmsService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_ADMIN) private readonly admin: NodeAdmin,
  ) {}

  @Get('health')
  health() {
    return { status: 'ok', region: this.config.region, nodeId: this.config.nodeId };
  }

  @Get('status')
  async status() {
    // The Raft part is live, from the primary; the rest is this worker's replica.
    const [raft, replication] = await Promise.all([this.admin({ op: 'status' }), this.admin({ op: 'replication' })]);
    const live = raft.status === 200 ? (raft.body as { role: string; term: number; leader: string | null; commit: number }) : undefined;
    return {
      region: this.config.region,
      nodeId: this.config.nodeId,
      // The node's pid is the primary's (the one the launcher started); this answer comes from one of its workers.
      pid: cluster.isWorker ? process.ppid : process.pid,
      workers: this.config.workers,
      worker: cluster.worker?.id,
      devMode: this.config.devMode,
      ...this.kms.status(),
      ...(live ? { role: live.role, term: live.term, leader: live.leader, commitIndex: live.commit, raft: live } : {}),
      ...(replication.status === 200 ? { replication: replication.body } : {}),
    };
  }

  /**
   * Beyond AWS, for disaster-recovery drills: {"keyId": "mrk-…"} makes this Region's replica the
   * primary at a higher epoch without the old primary's Region. See `trent failover --force`.
   */
  @Post('mrk/failover')
  async failover(@Body() body: unknown, @Res() reply: FastifyReply) {
    const keyId = (body as { keyId?: unknown } | undefined)?.keyId;
    if (typeof keyId !== 'string' || !MRK_ID.test(keyId)) {
      return reply.status(400).send({ code: 'ValidationException', message: 'body must be {"keyId": "mrk-<32 hex>"}, the id of a multi-Region key' });
    }
    try {
      return reply.status(200).send(await this.kms.forcePromote(keyId));
    } catch (e) {
      if (!isKmsError(e)) throw e;
      return reply.status(FAILOVER_STATUS[e.code] ?? 400).send({ code: e.code, message: e.message });
    }
  }

  /** Hands leadership to another voter: {"to": "2"}. Only the leader can; the answer names the new leader. */
  @Post('raft/transfer-leader')
  async transferLeader(@Body() body: unknown, @Res() reply: FastifyReply) {
    const to = (body as { to?: unknown } | undefined)?.to;
    if (typeof to !== 'string' || !NODE_ID.test(to)) {
      return reply.status(400).send({ message: 'body must be {"to": "<node id>"}, e.g. {"to": "2"}' });
    }
    const answer = await this.admin({ op: 'transferLeader', to });
    return reply.status(answer.status).send(answer.body);
  }

  /** Adds a node to the Region: {"node": "4", "address": "127.0.0.1:5570"} (its Raft address). Leader only. */
  @Post('raft/members')
  async addMember(@Body() body: unknown, @Res() reply: FastifyReply) {
    const { node, address } = (body ?? {}) as { node?: unknown; address?: unknown };
    if (typeof node !== 'string' || !NODE_ID.test(node) || typeof address !== 'string' || !/^[^:\s]+:\d{1,5}$/.test(address)) {
      return reply.status(400).send({ message: 'body must be {"node": "<id>", "address": "<host>:<raft port>"}, e.g. {"node": "4", "address": "127.0.0.1:5570"}' });
    }
    const answer = await this.admin({ op: 'addNode', node, address });
    return reply.status(answer.status).send(answer.body);
  }

  /** Removes a node from the Region. Leader only. */
  @Delete('raft/members/:node')
  async removeMember(@Param('node') node: string, @Res() reply: FastifyReply) {
    if (!NODE_ID.test(node)) return reply.status(400).send({ message: `'${node}' is not a node id` });
    const answer = await this.admin({ op: 'removeNode', node });
    return reply.status(answer.status).send(answer.body);
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
