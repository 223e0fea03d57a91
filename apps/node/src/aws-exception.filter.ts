import { errorReply, isKmsError, KmsError } from '@trent/protocol';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Last line of defence: anything the controllers did not answer themselves (errors of the HTTP
 * layer such as an oversized or aborted body, unknown routes) still gets AWS's error shape on the
 * KMS endpoint, and a plain JSON message on Trent's own /_trent routes.
 */
@Catch()
export class AwsExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const status = statusOf(exception);
    if (status >= 500) req.log.error({ err: exception }, 'internal error');

    if (req.url.startsWith('/_trent/')) {
      const message = exception instanceof HttpException ? exception.message : status >= 500 ? 'internal error' : String((exception as Error)?.message ?? exception);
      void reply.code(status).send({ message });
      return;
    }
    const { status: code, headers, body } = errorReply(toKmsError(exception, status));
    void reply.code(code).headers(headers).send(body);
  }
}

function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  if (isKmsError(exception)) return exception.httpStatus;
  const s = (exception as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : 500;
}

function toKmsError(exception: unknown, status: number): KmsError {
  if (isKmsError(exception)) return exception;
  if (status === 413) return new KmsError('SerializationException', 'The request body is too large.');
  if (status === 404) return new KmsError('UnknownOperationException', '');
  if (status < 500) return new KmsError('SerializationException', (exception as Error)?.message ?? 'The request could not be read.');
  return new KmsError('KMSInternalException', 'The request could not be completed because of an internal error.');
}
