import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  values: number[];
}

/** A line per series over days (`days` are the days' starts, in seconds), drawn on a canvas by uPlot. */
export const DailyChart = ({ days, series, label }: { days: number[]; series: Series[]; label: string }) => {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const plot = new uPlot(
      {
        width: Math.max(320, Math.min(element.clientWidth, 960)),
        height: 260,
        scales: { x: { time: true } },
        // The report's days are UTC days, as the table beside the chart shows them.
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
        series: [
          {},
          ...series.map((line) => ({ label: line.label, stroke: line.color, width: 2, points: { show: true } })),
        ],
        axes: [{}, { size: 70 }],
      },
      [days, ...series.map((line) => line.values)],
      element,
    );
    return () => {
      plot.destroy();
    };
  }, [days, series]);
  return <div class="chart" ref={host} role="img" aria-label={label} />;
};
