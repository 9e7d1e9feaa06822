// One HL7 v2 message over MLLP (0x0b … 0x1c 0x0d) to 127.0.0.1; resolves with the ACK text.
import net from 'node:net';

export function mllpSend(port, message, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('MLLP: no acknowledgement within the timeout')); }, timeoutMs);
    sock.on('connect', () => sock.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(message, 'utf8'), Buffer.from([0x1c, 0x0d])])));
    sock.on('data', (d) => {
      data = Buffer.concat([data, d]);
      const end = data.indexOf(0x1c);
      if (end >= 0) {
        clearTimeout(timer);
        sock.end();
        resolve(data.subarray(data.indexOf(0x0b) + 1, end).toString('utf8'));
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

// "AA", "AE" or "AR" from an ACK.
export const ackCode = (ack) => ((ack.split('\r').find((s) => s.startsWith('MSA|')) || '').split('|')[1] || '');
