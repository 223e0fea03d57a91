import { Caller as SignedCaller, SigV4Errors, SigV4Verifier } from '@trent/auth';
import { NodeConfig } from '@trent/config';
import { KmsService } from '@trent/kms';
import { AWS_JSON_CONTENT_TYPE, errorReply, isKmsError, KMS_OPERATION_NAMES, KmsError, parseJsonBody, parseTarget, serializeResponse, validateInput } from '@trent/protocol';
import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { NODE_CONFIG } from './tokens';

const MODEL_OPERATIONS: ReadonlySet<string> = new Set(KMS_OPERATION_NAMES);

/**
 * The AWS KMS endpoint: POST / with X-Amz-Target. Order of checks as AWS: signature, operation,
 * body, input shape, then the operation itself. Every failure is AWS-shaped; nothing escapes as a 5xx
 * except KMSInternalException for a real fault.
 */
@Controller()
export class KmsApiController {
  constructor(
    @Inject(KmsService) private readonly kms: KmsService,
    @Inject(SigV4Verifier) private readonly verifier: SigV4Verifier,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  @Post('/')
  async handle(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    let operation = '-';
    try {
      const signed = this.authenticate(req);
      operation = parseTarget(req.headers['x-amz-target']);
      if (!MODEL_OPERATIONS.has(operation)) throw new KmsError('UnknownOperationException', '');
      const input = validateInput(operation, parseJsonBody(req.body as Buffer | undefined));
      const caller = { accountId: signed.identity.accountId, principalArn: signed.identity.principalArn, accessKeyId: signed.identity.accessKeyId };
      const output = await this.kms.execute(operation, caller, input, clientRequestId(req, signed));
      reply.code(200).header('content-type', AWS_JSON_CONTENT_TYPE).header('x-amzn-requestid', requestId).send(serializeResponse(output));
    } catch (e) {
      const error = isKmsError(e) ? e : this.internal(req, e, operation);
      const { status, headers, body } = errorReply(error);
      reply.code(status).headers(headers).header('x-amzn-requestid', requestId).send(body);
      req.log.debug({ operation, error: error.code, ms: elapsedMs(started) }, 'request failed');
    }
  }

  private authenticate(req: FastifyRequest): SignedCaller {
    const signed = this.verifier.verify({ method: req.method, url: req.url, headers: req.raw.headersDistinct, body: (req.body as Buffer | undefined) ?? Buffer.alloc(0) });
    // A node serves its own Region only. The gateway routes by credential scope, so a request scoped
    // to another Region was sent to this node directly; AWS refuses a scope its endpoint does not serve.
    if (signed.region !== this.config.region) throw SigV4Errors.badScope([SigV4Errors.scopeRegion(signed.region)]);
    return signed;
  }

  private internal(req: FastifyRequest, e: unknown, operation: string): KmsError {
    req.log.error({ operation, err: e }, 'internal error');
    return new KmsError('KMSInternalException', 'The request could not be completed because of an internal error.');
  }
}

/**
 * The SDKs send one amz-sdk-invocation-id per call and keep it across retries: scoped to the access
 * key, it lets a retried write be recognised and applied once.
 */
function clientRequestId(req: FastifyRequest, signed: SignedCaller): string {
  const id = req.headers['amz-sdk-invocation-id'];
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? `${signed.identity.accessKeyId}:${id}` : randomUUID();
}

const elapsedMs = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e6;
