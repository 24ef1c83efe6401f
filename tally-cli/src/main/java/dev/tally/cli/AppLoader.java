package dev.tally.cli;

import dev.tally.core.app.TallyApp;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Finds the apps to serve: {@link TallyApp}s listed in the given jars and on the classpath. */
final class AppLoader {
    private AppLoader() {
    }

    static List<TallyApp> load(List<Path> jars, CommandLine cl) {
        try {
            return load(jars);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, e.getMessage());
        }
    }

    /** The apps of the jars and of the classpath; a clear IllegalArgumentException when there are none. */
    static List<TallyApp> load(List<Path> jars) {
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("--app " + jar + ": no such file; build the app first (mvn package)"
                        + " and pass its jar, e.g. --app target/shop-0.1.0-SNAPSHOT.jar");
            }
            try {
                urls.add(jar.toAbsolutePath().toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("--app " + jar + ": " + e.getMessage());
            }
        }
        ClassLoader parent = AppLoader.class.getClassLoader();
        ClassLoader loader = urls.isEmpty() ? parent : new URLClassLoader(urls.toArray(URL[]::new), parent);
        Map<String, TallyApp> apps = new LinkedHashMap<>();
        try {
            for (TallyApp app : ServiceLoader.load(TallyApp.class, loader)) {
                apps.putIfAbsent(app.getClass().getName(), app);
            }
        } catch (java.util.ServiceConfigurationError e) {
            throw new BrokenApp(whyNotLoaded(jars, loader).orElse("an app could not be loaded: " + e.getMessage()
                    + " (is it built against this version of Tally?)"), e);
        }
        if (!jars.isEmpty() && apps.isEmpty()) {
            whyNotLoaded(jars, loader).ifPresent(why -> {
                throw new BrokenApp(why, null);
            });
            throw new IllegalArgumentException("no TallyApp in " + jars + ": list your app class in"
                    + " src/main/resources/META-INF/services/dev.tally.core.app.TallyApp and build again");
        }
        if (apps.isEmpty()) {
            throw new IllegalArgumentException("no app to serve: pass --app PATH.jar (a jar with a TallyApp; 'tally new'"
                    + " makes a project for one), or run ./tally serve from the repository for the bank and counter");
        }
        return List.copyOf(apps.values());
    }

    /**
     * An app jar that names a class it cannot provide: not a mistake in the command line, so it is
     * reported in one line, without the usage.
     */
    static final class BrokenApp extends RuntimeException {
        BrokenApp(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final String SERVICES = "META-INF/services/" + TallyApp.class.getName();

    /** The class a jar's services file lists that is missing or is not an app, said in the user's terms. */
    static java.util.Optional<String> whyNotLoaded(List<Path> jars, ClassLoader loader) {
        for (Path jar : jars) {
            List<String> listed = new ArrayList<>();
            try (java.util.jar.JarFile j = new java.util.jar.JarFile(jar.toFile())) {
                java.util.jar.JarEntry entry = j.getJarEntry(SERVICES);
                if (entry == null) {
                    continue;
                }
                for (String line : new String(j.getInputStream(entry).readAllBytes(),
                        java.nio.charset.StandardCharsets.UTF_8).split("\\R")) {
                    String name = line.replaceAll("#.*", "").strip();
                    if (!name.isEmpty()) {
                        listed.add(name);
                    }
                }
            } catch (java.io.IOException e) {
                return java.util.Optional.of("--app " + jar + ": cannot read it as a jar (" + e.getMessage() + ")");
            }
            for (String name : listed) {
                String where = "--app " + jar + ": its " + SERVICES + " lists the class '" + name + "'";
                Class<?> c;
                try {
                    c = Class.forName(name, false, loader);
                } catch (ClassNotFoundException | LinkageError e) {
                    return java.util.Optional.of(where + ", which is not in the jar. Write the full name (package and"
                            + " class) of your app's class there, such as com.acme.library.LibraryApp, in"
                            + " src/main/resources/" + SERVICES + ", and build again");
                }
                if (!TallyApp.class.isAssignableFrom(c)) {
                    return java.util.Optional.of(where + ", which does not implement TallyApp: list the class that"
                            + " does, and build again");
                }
            }
        }
        return java.util.Optional.empty();
    }
}
