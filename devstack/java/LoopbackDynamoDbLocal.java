// DynamoDB Local's own ServerRunner, except that it listens on 127.0.0.1 only: its command line
// has no host option and its Jetty server listens on every interface. Reflection only, so that
// it compiles without a classpath and fails loudly if DynamoDB Local's insides ever change.
import java.lang.reflect.Field;

public final class LoopbackDynamoDbLocal {
    public static void main(String[] args) throws Exception {
        Class<?> runner =
                Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner");
        Object proxy =
                runner.getMethod("createServerFromCommandLineArgs", String[].class)
                        .invoke(null, (Object) args);
        Field field = proxy.getClass().getDeclaredField("server");
        field.setAccessible(true);
        Object server = field.get(proxy);
        for (Object connector : (Object[]) server.getClass().getMethod("getConnectors").invoke(server)) {
            connector.getClass().getMethod("setHost", String.class).invoke(connector, "127.0.0.1");
        }
        proxy.getClass().getMethod("start").invoke(proxy);
        // start() reports some failures on stderr only and returns: exit so the devstack sees it.
        if (!(Boolean) server.getClass().getMethod("isStarted").invoke(server)) {
            System.exit(1);
        }
    }
}
