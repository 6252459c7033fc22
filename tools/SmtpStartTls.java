// SmtpStartTls.java - Java's TLS client (JSSE, at its defaults) asked to
// STARTTLS by a minimal SMTP dialogue, for tools/record-clients.sh.
//
// JavaMail / Jakarta Mail start TLS through the default SSLSocketFactory
// unless told otherwise (mail.smtp.ssl.* properties), so the ClientHello
// recorded here is the one a Java mail client sends at its defaults.
//
// Usage: java SmtpStartTls.java HOST PORT
// Exit status: 0 when the server took STARTTLS (whatever the handshake
// did: the test CA is not in Java's trust store), 1 otherwise.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

public class SmtpStartTls {
    // One SMTP reply (its last line); continuation lines are skipped.
    static String reply(BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
            if (line == null)
                throw new Exception("connection closed");
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        Socket s = new Socket(host, port);
        s.setSoTimeout(20000);
        BufferedReader in = new BufferedReader(
            new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = s.getOutputStream();
        reply(in);
        out.write("EHLO client.example.test\r\n".getBytes(StandardCharsets.US_ASCII));
        reply(in);
        out.write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
        if (!reply(in).startsWith("220"))
            System.exit(1);
        SSLSocketFactory f = (SSLSocketFactory)SSLSocketFactory.getDefault();
        SSLSocket t = (SSLSocket)f.createSocket(s, host, port, true);
        try {
            t.startHandshake();
            t.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            t.close();
        } catch (Exception e) {
            // the test CA is not trusted: the ClientHello went out already
            s.close();
        }
        System.exit(0);
    }
}
