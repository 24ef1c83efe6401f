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
            throw new IllegalArgumentException("an app could not be loaded: " + e.getMessage() + " (is it built against"
                    + " this version of Tally?)");
        }
        if (!jars.isEmpty() && apps.isEmpty()) {
            throw new IllegalArgumentException("no TallyApp in " + jars + ": list your app class in"
                    + " src/main/resources/META-INF/services/dev.tally.core.app.TallyApp and build again");
        }
        if (apps.isEmpty()) {
            throw new IllegalArgumentException("no app to serve: pass --app PATH.jar (a jar with a TallyApp; 'tally new'"
                    + " makes a project for one), or run ./tally serve from the repository for the bank and counter");
        }
        return List.copyOf(apps.values());
    }
}
