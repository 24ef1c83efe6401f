package dev.tally.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An {@link SSLContext} from two PEM files, with the JDK only: a certificate chain (one or more
 * {@code BEGIN CERTIFICATE} blocks, the server's first) and an unencrypted PKCS#8 private key
 * ({@code BEGIN PRIVATE KEY}) of type RSA, EC or EdDSA. A traditional OpenSSL key
 * ({@code BEGIN RSA PRIVATE KEY}, {@code BEGIN EC PRIVATE KEY}) or an encrypted one is refused with
 * the command that converts it.
 */
public final class PemTls {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

    private PemTls() {
    }

    public static SSLContext context(Path certFile, Path keyFile) {
        List<Certificate> chain = certificates(certFile);
        PrivateKey key = privateKey(keyFile);
        if (!chain.get(0).getPublicKey().getAlgorithm().equals(key.getAlgorithm())
                && !(key.getAlgorithm().startsWith("Ed") && chain.get(0).getPublicKey().getAlgorithm().startsWith("Ed"))) {
            throw new IllegalArgumentException("--tls-key is a " + key.getAlgorithm() + " key but the first certificate"
                    + " of --tls-cert holds a " + chain.get(0).getPublicKey().getAlgorithm() + " key: pass the key of"
                    + " that certificate");
        }
        try {
            char[] password = Long.toHexString(new SecureRandom().nextLong()).toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("tally", key, password, chain.toArray(new Certificate[0]));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use --tls-cert " + certFile + " with --tls-key " + keyFile + ": "
                    + e.getMessage(), e);
        }
    }

    private static List<Certificate> certificates(Path file) {
        List<Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Matcher m = BLOCK.matcher(read(file, "--tls-cert"));
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    chain.add(factory.generateCertificate(new ByteArrayInputStream(decode(m.group(2), file))));
                }
            }
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalArgumentException("--tls-cert " + file + " holds a certificate the JDK cannot read: "
                    + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("--tls-cert " + file + " holds no '-----BEGIN CERTIFICATE-----' block:"
                    + " pass a PEM file with the server's certificate first, then its intermediates");
        }
        return chain;
    }

    private static PrivateKey privateKey(Path file) {
        Matcher m = BLOCK.matcher(read(file, "--tls-key"));
        while (m.find()) {
            String type = m.group(1);
            switch (type) {
                case "PRIVATE KEY" -> {
                    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(decode(m.group(2), file));
                    for (String algorithm : List.of("RSA", "EC", "EdDSA", "RSASSA-PSS")) {
                        try {
                            return KeyFactory.getInstance(algorithm).generatePrivate(spec);
                        } catch (GeneralSecurityException e) {
                            // try the next type
                        }
                    }
                    throw new IllegalArgumentException("--tls-key " + file + " is a PKCS#8 key of a type other than"
                            + " RSA, EC or EdDSA");
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new IllegalArgumentException("--tls-key " + file
                        + " is a traditional OpenSSL key (" + type + "); convert it to PKCS#8 with 'openssl pkcs8"
                        + " -topk8 -nocrypt -in " + file + " -out key.pk8.pem' and pass that file");
                case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException("--tls-key " + file + " is encrypted;"
                        + " pass an unencrypted PKCS#8 key ('openssl pkcs8 -topk8 -nocrypt -in " + file
                        + " -out key.pk8.pem') and protect the file with its permissions");
                default -> {
                    // e.g. EC PARAMETERS before the key: skip
                }
            }
        }
        throw new IllegalArgumentException("--tls-key " + file + " holds no '-----BEGIN PRIVATE KEY-----' block: pass"
                + " an unencrypted PKCS#8 private key in PEM");
    }

    private static String read(Path file, String option) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + option + " " + file + ": " + e, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + " " + file + " is not a PEM text file", e);
        }
    }

    private static byte[] decode(String base64, Path file) {
        try {
            return Base64.getMimeDecoder().decode(base64.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " holds a PEM block that is not valid base64", e);
        }
    }
}
